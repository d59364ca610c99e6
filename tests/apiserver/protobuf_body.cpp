#include "apiserver/protobuf_body.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>

namespace dragops::apiserver {

namespace {

struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire = 0;
  std::uint64_t varint = 0;
  std::string_view bytes;
};

// Calls `fn` for every field of a message; false on malformed input.
bool each_field(std::string_view msg, const std::function<bool(const Field&)>& fn) {
  std::size_t i = 0;
  auto varint = [&](std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= msg.size()) return false;
      auto b = static_cast<unsigned char>(msg[i++]);
      out |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < msg.size()) {
    std::uint64_t key = 0;
    if (!varint(key)) return false;
    Field f;
    f.number = static_cast<std::uint32_t>(key >> 3);
    f.wire = static_cast<std::uint32_t>(key & 7);
    switch (f.wire) {
      case 0:
        if (!varint(f.varint)) return false;
        break;
      case 1:
        if (i + 8 > msg.size()) return false;
        i += 8;
        break;
      case 2: {
        std::uint64_t len = 0;
        if (!varint(len) || len > msg.size() - i) return false;
        f.bytes = msg.substr(i, len);
        i += len;
        break;
      }
      case 5:
        if (i + 4 > msg.size()) return false;
        i += 4;
        break;
      default: return false;
    }
    if (!fn(f)) return false;
  }
  return true;
}

bool map_entry(std::string_view entry, std::string& key, std::string& value) {
  return each_field(entry, [&](const Field& f) {
    if (f.number == 1 && f.wire == 2) key = f.bytes;
    if (f.number == 2 && f.wire == 2) value = f.bytes;
    return true;
  });
}

bool object_meta(std::string_view msg, json::object& meta) {
  return each_field(msg, [&](const Field& f) {
    if (f.wire != 2) return true;
    switch (f.number) {
      case 1: meta["name"] = f.bytes; break;
      case 2: meta["generateName"] = f.bytes; break;
      case 3: meta["namespace"] = f.bytes; break;
      case 11:
      case 12: {
        std::string k, v;
        if (!map_entry(f.bytes, k, v)) return false;
        ensure_object(meta, f.number == 11 ? "labels" : "annotations")[k] = v;
        break;
      }
      case 14: {
        auto& list = meta["finalizers"];
        if (!list.is_array()) list = json::array{};
        list.get_array().emplace_back(f.bytes);
        break;
      }
      default: break;
    }
    return true;
  });
}

// A message's fields for the generic decoder below: what each field number is called in JSON
// and how to read it.
struct FieldSpec;
using MessageSpec = std::vector<FieldSpec>;
enum class FieldKind { string, int64, boolean, strings, message, extra };
struct FieldSpec {
  std::uint32_t number;
  const char* name;
  FieldKind kind;
  const MessageSpec* message = nullptr;
};

bool decode_message(std::string_view msg, const MessageSpec& spec, json::object& out) {
  return each_field(msg, [&](const Field& f) {
    auto it = std::find_if(spec.begin(), spec.end(), [&](const FieldSpec& s) { return s.number == f.number; });
    if (it == spec.end()) return true;
    switch (it->kind) {
      case FieldKind::string:
        if (f.wire == 2) out[it->name] = f.bytes;
        break;
      case FieldKind::int64:
        if (f.wire == 0) out[it->name] = static_cast<std::int64_t>(f.varint);
        break;
      case FieldKind::boolean:
        if (f.wire == 0) out[it->name] = f.varint != 0;
        break;
      case FieldKind::strings: {
        if (f.wire != 2) break;
        auto& list = out[it->name];
        if (!list.is_array()) list = json::array{};
        list.get_array().emplace_back(f.bytes);
        break;
      }
      case FieldKind::message:
        if (f.wire != 2) break;
        return decode_message(f.bytes, *it->message, ensure_object(out, it->name));
      case FieldKind::extra: {  // map<string, ExtraValue{repeated string items = 1}>
        if (f.wire != 2) break;
        std::string key;
        json::array values;
        bool ok = each_field(f.bytes, [&](const Field& e) {
          if (e.number == 1 && e.wire == 2) key = e.bytes;
          if (e.number == 2 && e.wire == 2)
            return each_field(e.bytes, [&](const Field& v) {
              if (v.number == 1 && v.wire == 2) values.emplace_back(v.bytes);
              return true;
            });
          return true;
        });
        if (!ok) return false;
        ensure_object(out, it->name)[key] = std::move(values);
        break;
      }
    }
    return true;
  });
}

// authentication.k8s.io/v1 and authorization.k8s.io/v1, from k8s.io/api's generated.proto.
const MessageSpec kResourceAttributes = {{1, "namespace", FieldKind::string}, {2, "verb", FieldKind::string},
                                         {3, "group", FieldKind::string},     {4, "version", FieldKind::string},
                                         {5, "resource", FieldKind::string},  {6, "subresource", FieldKind::string},
                                         {7, "name", FieldKind::string}};
const MessageSpec kNonResourceAttributes = {{1, "path", FieldKind::string}, {2, "verb", FieldKind::string}};
const MessageSpec kSelfAccessSpec = {{1, "resourceAttributes", FieldKind::message, &kResourceAttributes},
                                     {2, "nonResourceAttributes", FieldKind::message, &kNonResourceAttributes}};
const MessageSpec kAccessSpec = {{1, "resourceAttributes", FieldKind::message, &kResourceAttributes},
                                 {2, "nonResourceAttributes", FieldKind::message, &kNonResourceAttributes},
                                 {3, "user", FieldKind::string},
                                 {4, "groups", FieldKind::strings},
                                 {5, "extra", FieldKind::extra},
                                 {6, "uid", FieldKind::string}};
const MessageSpec kRulesSpec = {{1, "namespace", FieldKind::string}};
const MessageSpec kBoundObjectRef = {{1, "kind", FieldKind::string}, {2, "apiVersion", FieldKind::string},
                                     {3, "name", FieldKind::string}, {4, "uid", FieldKind::string}};
const MessageSpec kTokenRequestSpec = {{1, "audiences", FieldKind::strings},
                                       {3, "boundObjectRef", FieldKind::message, &kBoundObjectRef},
                                       {4, "expirationSeconds", FieldKind::int64}};

// meta/v1 DeleteOptions: client-go's typed clients (helm's release storage among them) send a
// DELETE's options as protobuf.
const MessageSpec kPreconditions = {{1, "uid", FieldKind::string}, {2, "resourceVersion", FieldKind::string}};
const MessageSpec kDeleteOptions = {{1, "gracePeriodSeconds", FieldKind::int64},
                                    {2, "preconditions", FieldKind::message, &kPreconditions},
                                    {3, "orphanDependents", FieldKind::boolean},
                                    {4, "propagationPolicy", FieldKind::string},
                                    {5, "dryRun", FieldKind::strings}};

// The spec message of the review-like kinds kubectl sends as protobuf; nullptr for others.
const MessageSpec* spec_of(const std::string& api_version, const std::string& kind) {
  if (api_version == "authorization.k8s.io/v1") {
    if (kind == "SelfSubjectAccessReview") return &kSelfAccessSpec;
    if (kind == "SubjectAccessReview" || kind == "LocalSubjectAccessReview") return &kAccessSpec;
    if (kind == "SelfSubjectRulesReview") return &kRulesSpec;
  }
  if (api_version == "authentication.k8s.io/v1") {
    static const MessageSpec kNone;
    if (kind == "TokenRequest") return &kTokenRequestSpec;
    if (kind == "SelfSubjectReview") return &kNone;
  }
  return nullptr;
}

}  // namespace

Result<json::value> protobuf_to_json(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (!body.starts_with(kMagic)) return errors::bad_request("protobuf body without the k8s envelope");
  std::string api_version, kind;
  std::string_view raw;
  bool ok = each_field(body.substr(4), [&](const Field& f) {
    if (f.number == 1 && f.wire == 2)
      return each_field(f.bytes, [&](const Field& t) {
        if (t.number == 1 && t.wire == 2) api_version = t.bytes;
        if (t.number == 2 && t.wire == 2) kind = t.bytes;
        return true;
      });
    if (f.number == 2 && f.wire == 2) raw = f.bytes;
    return true;
  });
  if (!ok) return errors::bad_request("malformed protobuf body");
  if (kind == "DeleteOptions" && (api_version == "v1" || api_version == "meta.k8s.io/v1")) {
    json::object options{{"apiVersion", api_version}, {"kind", kind}};
    if (!decode_message(raw, kDeleteOptions, options)) return errors::bad_request("malformed protobuf body");
    return json::value(std::move(options));
  }
  if (const MessageSpec* spec = spec_of(api_version, kind)) {
    json::object obj{{"apiVersion", api_version}, {"kind", kind}};
    ok = each_field(raw, [&](const Field& f) {
      if (f.number == 1 && f.wire == 2) return object_meta(f.bytes, ensure_object(obj, "metadata"));
      if (f.number == 2 && f.wire == 2) return decode_message(f.bytes, *spec, ensure_object(obj, "spec"));
      return true;
    });
    if (!ok) return errors::bad_request("malformed protobuf body");
    return json::value(std::move(obj));
  }
  if (api_version != "v1" || (kind != "Namespace" && kind != "Secret" && kind != "ConfigMap" && kind != "ServiceAccount"))
    return ApiError{415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    "application/json, application/yaml (protobuf only for core/v1 Namespace, Secret, ConfigMap, "
                    "ServiceAccount, DeleteOptions and the authentication.k8s.io and authorization.k8s.io reviews)"};
  json::object obj{{"apiVersion", api_version}, {"kind", kind}};
  ok = each_field(raw, [&](const Field& f) {
    if (f.number == 1 && f.wire == 2) return object_meta(f.bytes, ensure_object(obj, "metadata"));
    if (kind == "Namespace" && f.number == 2 && f.wire == 2) {
      return each_field(f.bytes, [&](const Field& s) {
        if (s.number == 1 && s.wire == 2) {
          auto& list = ensure_object(obj, "spec")["finalizers"];
          if (!list.is_array()) list = json::array{};
          list.get_array().emplace_back(s.bytes);
        }
        return true;
      });
    }
    if (kind == "Secret") {
      if ((f.number == 2 || f.number == 4) && f.wire == 2) {
        std::string k, v;
        if (!map_entry(f.bytes, k, v)) return false;
        if (f.number == 2) ensure_object(obj, "data")[k] = base64_encode(v);
        else ensure_object(obj, "stringData")[k] = v;
      }
      if (f.number == 3 && f.wire == 2) obj["type"] = f.bytes;
      if (f.number == 5 && f.wire == 0) obj["immutable"] = f.varint != 0;
    }
    if (kind == "ConfigMap") {
      if ((f.number == 2 || f.number == 3) && f.wire == 2) {
        std::string k, v;
        if (!map_entry(f.bytes, k, v)) return false;
        if (f.number == 2) ensure_object(obj, "data")[k] = v;
        else ensure_object(obj, "binaryData")[k] = base64_encode(v);
      }
      if (f.number == 4 && f.wire == 0) obj["immutable"] = f.varint != 0;
    }
    if (kind == "ServiceAccount") {
      if (f.number == 3 && f.wire == 2) {
        std::string name;
        each_field(f.bytes, [&](const Field& r) {
          if (r.number == 1 && r.wire == 2) name = r.bytes;
          return true;
        });
        auto& list = obj["imagePullSecrets"];
        if (!list.is_array()) list = json::array{};
        list.get_array().push_back(json::object{{"name", name}});
      }
      if (f.number == 4 && f.wire == 0) obj["automountServiceAccountToken"] = f.varint != 0;
    }
    return true;
  });
  if (!ok) return errors::bad_request("malformed protobuf body");
  return json::value(std::move(obj));
}

}  // namespace dragops::apiserver
