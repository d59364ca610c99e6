#include "seal_manifest.hpp"

#include "store/sealed_input.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <sstream>

namespace dragops::dragopsctl {
namespace json = boost::json;

namespace {

using Error = std::string;

constexpr std::size_t kMaxManifestSize = 4 * 1024 * 1024;

template <class T>
boost::system::result<T, Error> failure(Error message) {
  return {boost::system::in_place_error, std::move(message)};
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A scalar child of a map node, "" when absent or not a scalar (const access: inserts nothing).
std::string scalar_at(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return {};
  const YAML::Node child = node[key];
  return child && child.IsScalar() ? child.Scalar() : std::string();
}

// Seals a plaintext scalar node's text for target (the caller then replaces the node).
boost::system::result<std::string, Error> seal_node(YAML::Node value, const store::SealedInputTarget& target,
                                                    const std::string& path, const crypto::hpke::PublicKey& key) {
  if (!value.IsScalar()) return failure<std::string>(path + " must be a string");
  std::string plaintext = value.Scalar();
  auto sealed = store::seal_input(key, target, bytes_of(plaintext));
  crypto::wipe(plaintext.data(), plaintext.size());
  if (!sealed) return failure<std::string>(std::string("cannot seal: ") + std::string(crypto::hpke::to_string(sealed.error())));
  return {boost::system::in_place_value, std::move(*sealed)};
}

struct Document {
  std::size_t index;         // 1-based
  std::string kind;          // Connection | Secret
  std::string name;
  std::string namespace_;
  std::string label() const { return "document " + std::to_string(index) + " (" + kind + " " + name + ")"; }
};

boost::system::result<std::size_t, Error> seal_connection(YAML::Node doc, const Document& d,
                                                          const crypto::hpke::PublicKey& key) {
  YAML::Node spec = doc["spec"];
  const YAML::Node credentials = spec["credentials"];
  if (!credentials) return std::size_t{0};
  if (!credentials.IsMap()) return failure<std::size_t>(d.label() + ": spec.credentials must be a map of field: value");
  if (spec["credentialsRef"])
    return failure<std::size_t>(d.label() + ": spec.credentials and spec.credentialsRef are both set; use one");
  YAML::Node sealed = spec["sealedCredentials"];
  if (sealed && !sealed.IsMap()) return failure<std::size_t>(d.label() + ": spec.sealedCredentials must be a map");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : credentials) {
    const auto field = entry.first.Scalar();
    const std::string path = "spec.credentials." + field;
    if (sealed && sealed[field]) return failure<std::size_t>(d.label() + ": " + field + " is in spec.credentials and spec.sealedCredentials");
    auto text = seal_node(entry.second, {d.namespace_, store::Kind::connection, d.name, field}, path, key);
    if (!text) return failure<std::size_t>(d.label() + ": " + text.error());
    out.emplace_back(field, std::move(*text));
  }
  spec.remove("credentials");
  for (auto& [field, text] : out) spec["sealedCredentials"][field] = text;
  return out.size();
}

boost::system::result<std::size_t, Error> seal_secret(YAML::Node doc, const Document& d,
                                                      const crypto::hpke::PublicKey& key) {
  YAML::Node environments = doc["spec"]["environments"];
  if (!environments || !environments.IsMap()) return std::size_t{0};
  std::size_t count = 0;
  for (auto entry : environments) {
    const auto environment = entry.first.Scalar();
    YAML::Node source = entry.second;
    if (!source.IsMap() || !source["value"]) continue;
    const std::string path = "spec.environments." + environment + ".value";
    if (source["secretKeyRef"] || source["sealedValue"])
      return failure<std::size_t>(d.label() + ": " + path + " is set beside secretKeyRef or sealedValue; use one");
    auto text = seal_node(source["value"], {d.namespace_, store::Kind::secret, d.name, environment}, path, key);
    if (!text) return failure<std::size_t>(d.label() + ": " + text.error());
    source.remove("value");
    source["sealedValue"] = *text;
    ++count;
  }
  return count;
}

// A first pass over the events, before the documents are built, for what yaml-cpp 0.7 does not
// survive: an alias (*name) can make a few bytes expand without bound (or loop) when documents
// are walked and written, and a manifest of credentials needs none; and stray text after a flow
// document makes LoadAll yield empty documents at the same place for ever.
class ManifestScanner final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> alias;
  std::optional<YAML::Mark> stuck;   // a document started where the previous one did
  bool stop() const { return alias || stuck; }
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (last_start_ && last_start_->pos == mark.pos) stuck = mark;
    last_start_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    if (!alias) alias = mark;
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::optional<YAML::Mark> last_start_;
};

YAML::Node to_node(const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: {
      YAML::Node node(YAML::NodeType::Map);
      for (const auto& [k, v] : value.get_object()) node[std::string(k)] = to_node(v);
      return node;
    }
    case json::kind::array: {
      YAML::Node node(YAML::NodeType::Sequence);
      for (const auto& v : value.get_array()) node.push_back(to_node(v));
      return node;
    }
    case json::kind::string: return YAML::Node(std::string(value.get_string()));
    case json::kind::bool_: return YAML::Node(value.get_bool());
    case json::kind::int64: return YAML::Node(value.get_int64());
    case json::kind::uint64: return YAML::Node(value.get_uint64());
    case json::kind::double_: return YAML::Node(value.get_double());
    case json::kind::null: return YAML::Node(YAML::NodeType::Null);
  }
  return {};
}

// Where YAML text goes wrong: the offset of the first byte that is not well-formed UTF-8 (no
// overlongs, surrogates or code points past U+10FFFF), or that starts a character YAML does not
// allow (c-printable: tab, LF, CR and the printable ranges). yaml-cpp does not give such input
// back as it read it, so it is refused, not half-sealed.
struct TextProblem {
  std::size_t offset;
  const char* what;
};

std::optional<TextProblem> not_yaml_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return TextProblem{i, "not UTF-8 text"};
    std::uint32_t cp = length == 1 ? c : c & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return TextProblem{i, "not UTF-8 text"};
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return TextProblem{i, "not UTF-8 text"};
    const bool printable = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
                           (cp >= 0xA0 && cp <= 0xFFFD) || cp >= 0x10000;
    if (!printable) return TextProblem{i, "a control character YAML does not allow"};
    // A CR must end a line with LF (CRLF): yaml-cpp reads a lone CR as a line break of its own
    // kind that its emitter does not write back.
    if (cp == 0xD && (i + 1 == text.size() || text[i + 1] != '\n')) return TextProblem{i, "a CR without LF"};
    i += length;
  }
  return std::nullopt;
}

// The first mapping key that appears twice in the same mapping, anywhere in the document. YAML
// requires unique keys; a duplicate `credentials` would be sealed once and written out again in
// plaintext beside it (found by fuzz_seal_manifest), so it is refused.
std::optional<YAML::Mark> duplicate_key(const YAML::Node& node, int depth = 0) {
  if (depth > 64) return std::nullopt;  // the scanner already refused what could be deeper
  if (node.IsMap()) {
    std::set<std::string> keys;
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && !keys.insert(entry.first.Scalar()).second) return entry.first.Mark();
      if (auto inner = duplicate_key(entry.second, depth + 1)) return inner;
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node)
      if (auto inner = duplicate_key(item, depth + 1)) return inner;
  }
  return std::nullopt;
}

}  // namespace

boost::system::result<SealedManifests, Error> seal_manifests(std::string_view yaml, const crypto::hpke::PublicKey& key,
                                                             std::string_view default_namespace) {
  if (yaml.size() > kMaxManifestSize)
    return failure<SealedManifests>("more than " + std::to_string(kMaxManifestSize / (1024 * 1024)) + " MiB of manifests");
  if (const auto problem = not_yaml_text(yaml))
    return failure<SealedManifests>(std::string(problem->what) + ": byte " + std::to_string(problem->offset + 1) +
                                    " of the manifests");
  std::vector<YAML::Node> documents;
  try {
    std::istringstream stream{std::string(yaml)};
    YAML::Parser parser(stream);
    ManifestScanner scanner;
    while (!scanner.stop() && parser.HandleNextDocument(scanner)) {
    }
    if (scanner.alias)
      return failure<SealedManifests>("line " + std::to_string(scanner.alias->line + 1) +
                                      ": YAML aliases (*name) are not supported in manifests");
    if (scanner.stuck)
      return failure<SealedManifests>("not YAML: line " + std::to_string(scanner.stuck->line + 1) +
                                      ": unexpected text after a document");
    documents = YAML::LoadAll(std::string(yaml));
    for (const auto& doc : documents)
      if (auto mark = duplicate_key(doc))
        return failure<SealedManifests>("not a manifest: line " + std::to_string(mark->line + 1) +
                                        ": a key appears twice in the same mapping");
  } catch (const YAML::Exception& e) {
    return failure<SealedManifests>("not YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  SealedManifests out;
  std::size_t index = 0;
  try {
    for (auto& doc : documents) {
      ++index;
      if (!doc || doc.IsNull()) continue;
      if (!doc.IsMap()) return failure<SealedManifests>("document " + std::to_string(index) + " is not a map");
      const std::string api_version = scalar_at(doc, "apiVersion");
      Document d{index, scalar_at(doc, "kind"), {}, {}};
      if (api_version != store::kGroupVersion || (d.kind != "Connection" && d.kind != "Secret")) {
        out.notes.push_back("document " + std::to_string(index) + " (" + (d.kind.empty() ? "no kind" : d.kind) +
                            ") is not a dragops.io Connection or Secret: passed through unchanged, not sealed");
      } else {
        const YAML::Node metadata = doc["metadata"];
        d.name = scalar_at(metadata, "name");
        d.namespace_ = scalar_at(metadata, "namespace");
        if (d.name.empty()) return failure<SealedManifests>(d.label() + ": metadata.name is required");
        if (d.namespace_.empty()) {
          if (default_namespace.empty())
            return failure<SealedManifests>(d.label() + ": metadata.namespace is required (sealed values are bound to "
                                                        "it), or pass --namespace");
          d.namespace_ = default_namespace;
          doc["metadata"]["namespace"] = d.namespace_;
        } else if (!default_namespace.empty() && default_namespace != d.namespace_) {
          return failure<SealedManifests>(d.label() + ": metadata.namespace is " + d.namespace_ + ", not " +
                                          std::string(default_namespace) + " as --namespace says");
        }
        auto sealed = d.kind == "Connection" ? seal_connection(doc, d, key) : seal_secret(doc, d, key);
        if (!sealed) return failure<SealedManifests>(sealed.error());
        if (*sealed == 0) out.notes.push_back(d.label() + ": no plaintext to seal, passed through");
        out.values += *sealed;
      }
      YAML::Emitter emitter;
      emitter << doc;
      if (!out.text.empty()) out.text += "---\n";
      out.text += emitter.c_str();
      out.text += "\n";
    }
  } catch (const YAML::Exception& e) {
    return failure<SealedManifests>("document " + std::to_string(index) + ": " + e.msg);
  }
  return out;
}

boost::system::result<json::object, Error> sealed_resource(const NewResource& resource,
                                                           const crypto::hpke::PublicKey& key) {
  json::object sealed;
  for (const auto& [item, value] : resource.values) {
    auto text = store::seal_input(key, {resource.namespace_, resource.kind, resource.name, item}, value.span());
    if (!text) return failure<json::object>(std::string("cannot seal: ") + std::string(crypto::hpke::to_string(text.error())));
    if (resource.kind == store::Kind::connection) sealed[item] = std::move(*text);
    else sealed[item] = json::object{{"sealedValue", std::move(*text)}};
  }
  json::object spec;
  if (resource.kind == store::Kind::connection) {
    spec["pack"] = resource.pack;
    spec["sealedCredentials"] = std::move(sealed);
  } else {
    spec["environments"] = std::move(sealed);
  }
  return json::object{{"apiVersion", store::kGroupVersion},
                      {"kind", store::to_string(resource.kind)},
                      {"metadata", json::object{{"name", resource.name}, {"namespace", resource.namespace_}}},
                      {"spec", std::move(spec)}};
}

std::string to_yaml(const json::object& object) {
  YAML::Emitter emitter;
  emitter << to_node(object);
  return std::string(emitter.c_str()) + "\n";
}

}  // namespace dragops::dragopsctl
