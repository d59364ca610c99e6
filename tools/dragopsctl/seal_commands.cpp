#include "seal_commands.hpp"

#include "crypto/base64.hpp"
#include "crypto/secret_bytes.hpp"
#include "files.hpp"
#include "kubectl_args.hpp"
#include "process.hpp"
#include "seal_manifest.hpp"
#include "share_commands.hpp"
#include "sealing_key.hpp"
#include "store/sealed_input.hpp"

#include <boost/json/serialize.hpp>

#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace dragops::dragopsctl {
namespace {

constexpr const char* kPluginUsage =
    "kubectl dragops: seal credentials on this machine to the cluster's public key, so that only sealed\n"
    "values reach the API server (docs/sealing.md), and share connections with ServiceAccounts (docs/sharing.md).\n"
    "\n"
    "  kubectl dragops seal [-f FILE|-] [dragopsctl seal options]   seal manifests or one value (stdin)\n"
    "  kubectl dragops create connection NAME --pack PACK --from-literal=FIELD=VALUE ... [--from-file=FIELD=PATH ...]\n"
    "  kubectl dragops create secret NAME --from-literal=ENVIRONMENT=VALUE ... [--from-file=ENVIRONMENT=PATH ...]\n"
    "        seal the values and apply the Connection (or dragops Secret); --dry-run=client -o yaml|json prints it\n"
    "  kubectl dragops sealing-key [-o FILE]                         print the public key (for --public-key FILE)\n"
    "  kubectl dragops share connection|secret NAME --serviceaccount SA    let pods of SA use NAME (a Role with\n"
    "        verbs [use] and resourceNames [NAME], bound to SA); --dry-run=client -o yaml|json prints them\n"
    "  kubectl dragops unshare connection|secret NAME --serviceaccount SA  remove that RoleBinding\n"
    "\n"
    "options: -n/--namespace NS, --kubeconfig PATH, --context NAME, --operator-namespace NS (dragops-system),\n"
    "         --public-key FILE (seal offline instead of reading ConfigMap dragops-sealing-key)\n";

int fail(int code, const std::string& message) {
  std::cerr << "dragopsctl: " << message << "\n";
  return code;
}

const std::set<std::string> kKeyOptions{"--public-key", "--kubeconfig", "--context", "--operator-namespace"};

ClusterOptions cluster_options(const Options& options) {
  ClusterOptions cluster;
  cluster.kubeconfig = options.get("--kubeconfig");
  cluster.context = options.get("--context");
  if (options.has("--operator-namespace")) cluster.operator_namespace = options.get("--operator-namespace");
  return cluster;
}

struct KeyChoice {
  SealingPublicKey key;
  std::string cluster_namespace;   // the kubeconfig's namespace, when the cluster was asked
};

// The key from --public-key FILE, or from the cluster (--from-cluster, or by default).
std::optional<KeyChoice> choose_key(const Options& options, bool cluster_by_default, int& code) {
  const bool from_file = options.has("--public-key");
  const bool from_cluster = options.has("--from-cluster") || (!from_file && cluster_by_default);
  if (from_file && options.has("--from-cluster")) {
    code = fail(kUsage, "give --public-key FILE or --from-cluster, not both");
    return std::nullopt;
  }
  if (from_file) {
    FileError error;
    const auto text = read_secret_file(options.get("--public-key"), error);
    if (!text) {
      code = fail(kBadInput, error.message);
      return std::nullopt;
    }
    auto key = parse_public_key(text->view());
    if (!key) {
      code = fail(kBadInput, options.get("--public-key") + ": " + key.error());
      return std::nullopt;
    }
    return KeyChoice{std::move(*key), {}};
  }
  if (!from_cluster) {
    code = fail(kUsage, "seal needs a key: --public-key FILE or --from-cluster (or --keyring FILE for a data-key envelope)");
    return std::nullopt;
  }
  auto fetched = fetch_cluster_key(cluster_options(options));
  if (!fetched) {
    code = fail(kNoClusterKey, fetched.error());
    return std::nullopt;
  }
  return KeyChoice{std::move(fetched->key), std::move(fetched->default_namespace)};
}

bool write_output(const std::string& path, std::string_view text, int& code) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    if (!std::cout) code = fail(kBadInput, "cannot write to stdout");
    return static_cast<bool>(std::cout);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) code = fail(kBadInput, "cannot write " + path);
  return static_cast<bool>(out);
}

int seal_one_value(const Options& options, const KeyChoice& key) {
  store::Kind kind;
  if (!store::kind_from_string(options.get("--kind"), kind)) return fail(kUsage, "--kind must be Connection or Secret");
  const std::string ns = options.has("--namespace") ? options.get("--namespace") : key.cluster_namespace;
  if (ns.empty()) return fail(kUsage, "seal needs --namespace (the value is bound to it)");
  if (options.get("--name").empty() || options.get("--item").empty())
    return fail(kUsage, "seal needs --name and --item (or -f FILE for manifests)");
  const auto plaintext = read_stdin();
  if (!plaintext) return fail(kBadInput, "cannot read stdin");
  auto sealed = store::seal_input(key.key.key, {ns, kind, options.get("--name"), options.get("--item")}, plaintext->span());
  if (!sealed) return fail(kBadInput, "cannot seal: " + std::string(crypto::hpke::to_string(sealed.error())));
  int code = kOk;
  write_output(options.get("-o"), *sealed + "\n", code);
  return code;
}

int seal_manifest_file(const Options& options, const KeyChoice& key) {
  const auto path = options.get("-f");
  std::optional<crypto::SecretBytes> text;
  if (path == "-") {
    text = read_stdin();
    if (!text) return fail(kBadInput, "cannot read stdin");
  } else {
    FileError error;
    text = read_secret_file(path, error);
    if (!text) return fail(kBadInput, error.message);
  }
  const std::string ns = options.has("--namespace") ? options.get("--namespace") : std::string();
  auto sealed = seal_manifests(text->view(), key.key.key, ns.empty() ? key.cluster_namespace : ns);
  if (!sealed) return fail(kBadInput, (path == "-" ? std::string("stdin") : path) + ": " + sealed.error());
  for (const auto& note : sealed->notes) std::cerr << "dragopsctl: " << note << "\n";
  int code = kOk;
  if (!write_output(options.get("-o"), sealed->text, code)) return code;
  std::cerr << "dragopsctl: sealed " << sealed->values << " value" << (sealed->values == 1 ? "" : "s") << " to key "
            << key.key.key_id << "\n";
  return kOk;
}

// FIELD=VALUE of --from-literal, FIELD=PATH of --from-file, into values (plaintext in SecretBytes).
bool collect_values(const Options& options, std::map<std::string, crypto::SecretBytes, std::less<>>& values, int& code) {
  auto split = [&](const std::string& option, const std::string& text, std::string& key, std::string& rest) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      code = fail(kUsage, option + " takes KEY=VALUE");   // never echo the text: it may be a value
      return false;
    }
    key = text.substr(0, eq);
    rest = text.substr(eq + 1);
    if (values.contains(key)) {
      code = fail(kUsage, key + " is given twice");
      return false;
    }
    return true;
  };
  if (auto it = options.values.find("--from-literal"); it != options.values.end())
    for (const auto& text : it->second) {
      std::string key, value;
      if (!split("--from-literal", text, key, value)) return false;
      values.emplace(key, crypto::SecretBytes::from_string(value));
      crypto::wipe(value.data(), value.size());
    }
  if (auto it = options.values.find("--from-file"); it != options.values.end())
    for (const auto& text : it->second) {
      std::string key, path;
      if (!split("--from-file", text, key, path)) return false;
      FileError error;
      auto contents = read_secret_file(path, error);
      if (!contents) {
        code = fail(kBadInput, error.message);
        return false;
      }
      values.emplace(key, std::move(*contents));
    }
  if (values.empty()) {
    code = fail(kUsage, "give at least one --from-literal=KEY=VALUE or --from-file=KEY=PATH");
    return false;
  }
  return true;
}

int kubectl_create(const Args& args) {
  std::string problem;
  const auto options = parse_options(args, with(kKeyOptions, {"--namespace", "--pack", "--from-literal", "--from-file", "--dry-run", "-o"}),
                             {"--from-cluster"}, problem);
  if (!options) return fail(kUsage, "create: " + problem);
  if (options->positional.size() != 2) return fail(kUsage, "create takes: connection NAME | secret NAME");
  NewResource resource;
  const auto& what = options->positional[0];
  const auto kind = kind_word(what);
  if (kind.empty()) return fail(kUsage, "create makes a connection or a secret (dragops.io), not " + what);
  resource.kind = kind == "connection" ? store::Kind::connection : store::Kind::secret;
  resource.name = options->positional[1];
  resource.pack = options->get("--pack");
  if (resource.kind == store::Kind::connection && resource.pack.empty()) return fail(kUsage, "create connection needs --pack PACK");
  if (resource.kind == store::Kind::secret && !resource.pack.empty()) return fail(kUsage, "--pack is for connections");
  const auto dry_run = options->has("--dry-run") ? options->get("--dry-run") : std::string("none");
  if (dry_run != "none" && dry_run != "client") return fail(kUsage, "--dry-run must be none or client");
  const auto output = options->get("-o");
  if (!output.empty() && output != "yaml" && output != "json") return fail(kUsage, "-o must be yaml or json");
  int code = kOk;
  if (!collect_values(*options, resource.values, code)) return code;

  const auto key = choose_key(*options, /*cluster_by_default=*/true, code);
  if (!key) return code;
  resource.namespace_ = options->get("--namespace");
  if (resource.namespace_.empty()) resource.namespace_ = key->cluster_namespace;
  if (resource.namespace_.empty()) {
    auto ns = kubeconfig_namespace(cluster_options(*options));
    if (!ns) return fail(kNoClusterKey, ns.error());
    resource.namespace_ = *ns;
  }
  auto manifest = sealed_resource(resource, key->key.key);
  resource.values.clear();   // the plaintext is wiped here; only sealed values go on
  if (!manifest) return fail(kBadInput, manifest.error());
  const auto yaml = to_yaml(*manifest);
  if (dry_run == "client") {
    write_output("", output == "json" ? boost::json::serialize(*manifest) + "\n" : yaml, code);
    return code;
  }
  auto kubectl = kubectl_command(*options);
  kubectl.insert(kubectl.end(), {"apply", "-f", "-"});
  if (!output.empty()) kubectl.insert(kubectl.end(), {"-o", output});
  const int status = run_with_input(kubectl, yaml, problem);
  if (status < 0) return fail(kNoClusterKey, problem);
  return status;
}

}  // namespace

int seal_to_cluster(const Args& args, bool cluster_by_default) {
  std::string problem;
  const auto options =
      parse_options(args, with(kKeyOptions, {"--namespace", "--kind", "--name", "--item", "-f", "-o"}), {"--from-cluster"}, problem);
  if (!options) return fail(kUsage, "seal: " + problem);
  if (!options->positional.empty()) return fail(kUsage, "seal: unexpected argument " + options->positional[0]);
  const bool manifests = options->has("-f");
  if (manifests && (options->has("--kind") || options->has("--name") || options->has("--item")))
    return fail(kUsage, "seal: -f seals manifests; --kind, --name and --item are for one value on stdin");
  int code = kOk;
  const auto key = choose_key(*options, cluster_by_default, code);
  if (!key) return code;
  return manifests ? seal_manifest_file(*options, *key) : seal_one_value(*options, *key);
}

int sealing_key(const Args& args) {
  std::string problem;
  const auto options = parse_options(args, with(kKeyOptions, {"-o"}), {"--from-cluster"}, problem);
  if (!options) return fail(kUsage, "sealing-key: " + problem);
  int code = kOk;
  const auto key = choose_key(*options, /*cluster_by_default=*/true, code);
  if (!key) return code;
  if (!write_output(options->get("-o"), crypto::base64_encode(key->key.key) + "\n", code)) return code;
  std::cerr << "dragopsctl: key id " << key->key.key_id << "\n";
  return kOk;
}

int kubectl_plugin(const Args& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    (args.empty() ? std::cerr : std::cout) << kPluginUsage;
    return args.empty() ? kUsage : kOk;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "seal") return seal_to_cluster(rest, /*cluster_by_default=*/true);
  if (args[0] == "create") return kubectl_create(rest);
  if (args[0] == "sealing-key") return sealing_key(rest);
  if (args[0] == "share") return kubectl_share(rest, /*share=*/true);
  if (args[0] == "unshare") return kubectl_share(rest, /*share=*/false);
  std::cerr << "dragopsctl: kubectl dragops has no command " << args[0] << "\n" << kPluginUsage;
  return kUsage;
}

void scrub_literal_arguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* value = nullptr;
    if (std::strncmp(argv[i], "--from-literal=", 15) == 0) value = std::strchr(argv[i] + 15, '=');
    else if (std::strcmp(argv[i], "--from-literal") == 0 && i + 1 < argc) value = std::strchr(argv[++i], '=');
    if (value) crypto::wipe(value + 1, std::strlen(value + 1));
  }
}

}  // namespace dragops::dragopsctl
