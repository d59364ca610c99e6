#include "kube/config.hpp"

#include "common/log.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace dragops::kube {

namespace fs = std::filesystem;

void throw_exception_from_error(const ConfigError& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

namespace {

ConfigError config_error(std::string message) { return ConfigError{std::move(message)}; }

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Standard base64 with optional padding and embedded whitespace; nullopt on anything else.
std::optional<std::string> decode_base64(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = value_of(c);
    if (v < 0 || padding) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;
  return out;
}

struct Entry {
  YAML::Node node;
  fs::path base_dir;
};

struct Merged {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
};

// Adds one file's entries; names already present win (kubectl's merge rule).
std::optional<ConfigError> merge_into(Merged& merged, std::string_view yaml, const fs::path& base_dir,
                                      const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return config_error(origin + " is not valid YAML (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (!root || root.IsNull()) return std::nullopt;
  if (!root.IsMap()) return config_error(origin + " is not a kubeconfig (expected a mapping at the top)");
  auto add = [&](const char* list, const char* inner, std::map<std::string, Entry>& into) -> std::optional<ConfigError> {
    const auto items = root[list];
    if (!items) return std::nullopt;
    if (!items.IsSequence()) return config_error(origin + ": '" + list + "' must be a list");
    for (const auto& item : items) {
      if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) {
        return config_error(origin + ": an entry of '" + list + "' has no name");
      }
      const auto name = item["name"].as<std::string>();
      const auto body = item[inner];
      if (body && !body.IsMap()) return config_error(origin + ": " + list + " entry '" + name + "' is malformed");
      into.try_emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), base_dir});
    }
    return std::nullopt;
  };
  if (auto e = add("clusters", "cluster", merged.clusters)) return e;
  if (auto e = add("users", "user", merged.users)) return e;
  if (auto e = add("contexts", "context", merged.contexts)) return e;
  if (merged.current_context.empty() && root["current-context"] && root["current-context"].IsScalar()) {
    merged.current_context = root["current-context"].as<std::string>();
  }
  return std::nullopt;
}

std::string scalar(const YAML::Node& node, const char* key) {
  const auto value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

fs::path resolve(const fs::path& base_dir, const std::string& path) {
  fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) return base_dir / p;
  return p;
}

// Fills `out` from "<key>-data" (base64) or "<key>" (a path).
std::optional<ConfigError> pem_or_file(const Entry& entry, const std::string& key, const std::string& what,
                                       std::string& data_out, std::string& file_out) {
  const auto data = scalar(entry.node, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = decode_base64(data);
    if (!decoded) return config_error(what + "-data is not valid base64");
    data_out = std::move(*decoded);
    return std::nullopt;
  }
  const auto file = scalar(entry.node, key.c_str());
  if (!file.empty()) {
    const auto path = resolve(entry.base_dir, file);
    if (!fs::exists(path)) return config_error(what + " file " + path.string() + " does not exist");
    file_out = path.string();
  }
  return std::nullopt;
}

ConfigResult<Config> resolve_merged(const Merged& merged, std::string_view wanted_context) {
  const std::string context_name = wanted_context.empty() ? merged.current_context : std::string(wanted_context);
  if (context_name.empty()) return config_error("kubeconfig has no current-context and none was asked for");
  const auto context = merged.contexts.find(context_name);
  if (context == merged.contexts.end()) return config_error("kubeconfig has no context named '" + context_name + "'");

  Config config;
  config.context = context_name;
  const auto cluster_name = scalar(context->second.node, "cluster");
  const auto user_name = scalar(context->second.node, "user");
  const auto ns = scalar(context->second.node, "namespace");
  if (!ns.empty()) config.default_namespace = ns;

  if (cluster_name.empty()) return config_error("context '" + context_name + "' names no cluster");
  const auto cluster = merged.clusters.find(cluster_name);
  if (cluster == merged.clusters.end()) {
    return config_error("context '" + context_name + "' refers to cluster '" + cluster_name + "', which is not defined");
  }
  config.server = scalar(cluster->second.node, "server");
  if (config.server.empty()) return config_error("cluster '" + cluster_name + "' has no server");
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return config_error("cluster '" + cluster_name + "' server is not an http(s) URL");
  }
  const auto insecure = scalar(cluster->second.node, "insecure-skip-tls-verify");
  config.tls.insecure_skip_verify = insecure == "true";
  config.tls.server_name = scalar(cluster->second.node, "tls-server-name");
  if (auto e = pem_or_file(cluster->second, "certificate-authority", "cluster '" + cluster_name + "' certificate-authority",
                           config.tls.ca_pem, config.tls.ca_file)) {
    return *e;
  }

  if (!user_name.empty()) {
    const auto user = merged.users.find(user_name);
    if (user == merged.users.end()) {
      return config_error("context '" + context_name + "' refers to user '" + user_name + "', which is not defined");
    }
    const std::string what = "user '" + user_name + "'";
    if (auto e = pem_or_file(user->second, "client-certificate", what + " client-certificate", config.tls.client_cert_pem,
                             config.tls.client_cert_file)) {
      return *e;
    }
    if (auto e = pem_or_file(user->second, "client-key", what + " client-key", config.tls.client_key_pem,
                             config.tls.client_key_file)) {
      return *e;
    }
    const bool has_cert = !config.tls.client_cert_pem.empty() || !config.tls.client_cert_file.empty();
    const bool has_key = !config.tls.client_key_pem.empty() || !config.tls.client_key_file.empty();
    if (has_cert != has_key) {
      return config_error(what + (has_cert ? " has a client-certificate but no client-key"
                                           : " has a client-key but no client-certificate"));
    }
    config.token = scalar(user->second.node, "token");
    const auto token_file = scalar(user->second.node, "tokenFile");
    if (!token_file.empty()) {
      const auto path = resolve(user->second.base_dir, token_file);
      if (!fs::exists(path)) return config_error(what + " tokenFile " + path.string() + " does not exist");
      config.token_file = path.string();
    }
    if (user->second.node["exec"] || user->second.node["auth-provider"]) {
      if (config.token.empty() && config.token_file.empty() && !has_cert) {
        return config_error(what + " uses exec or auth-provider credentials, which this client does not support");
      }
    }
  }
  return config;
}

}  // namespace

ConfigResult<Config> parse_kubeconfig(std::string_view yaml, const fs::path& base_dir, std::string_view context) {
  Merged merged;
  if (auto e = merge_into(merged, yaml, base_dir, "kubeconfig")) return *e;
  return resolve_merged(merged, context);
}

ConfigResult<Config> load_kubeconfig(const fs::path& path, std::string_view context) {
  auto text = read_file(path);
  if (!text) return config_error("cannot read kubeconfig " + path.string());
  Merged merged;
  if (auto e = merge_into(merged, *text, path.parent_path(), "kubeconfig " + path.string())) return *e;
  return resolve_merged(merged, context);
}

ConfigResult<Config> load_kubeconfig_from_env(std::string_view context) {
  std::vector<fs::path> paths;
  if (const char* list = std::getenv("KUBECONFIG"); list && *list) {
    std::string_view rest(list);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto item = rest.substr(0, colon);
      if (!item.empty()) paths.emplace_back(std::string(item));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    paths.push_back(fs::path(home) / ".kube" / "config");
  }
  Merged merged;
  bool any = false;
  for (const auto& path : paths) {
    auto text = read_file(path);
    if (!text) continue;  // kubectl skips missing files in KUBECONFIG
    any = true;
    if (auto e = merge_into(merged, *text, path.parent_path(), "kubeconfig " + path.string())) return *e;
  }
  if (!any) return config_error("no kubeconfig found (KUBECONFIG or $HOME/.kube/config)");
  return resolve_merged(merged, context);
}

ConfigResult<Config> in_cluster_config(const InClusterSource& source) {
  const char* host = source.getenv("KUBERNETES_SERVICE_HOST");
  const char* port = source.getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port) {
    return config_error("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  Config config;
  const std::string h(host);
  config.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  if (!fs::exists(source.token_file)) {
    return config_error("service-account token " + source.token_file.string() + " does not exist");
  }
  config.token_file = source.token_file.string();
  auto ca = read_file(source.ca_file);
  if (!ca) return config_error("cannot read the service-account CA " + source.ca_file.string());
  config.tls.ca_pem = std::move(*ca);
  if (auto ns = read_file(source.namespace_file)) {
    auto trimmed = trim(std::move(*ns));
    if (!trimmed.empty()) config.default_namespace = std::move(trimmed);
  }
  return config;
}

ConfigResult<Config> default_config() {
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host && *host) return in_cluster_config();
  return load_kubeconfig_from_env();
}

BearerToken::BearerToken(std::string static_token, fs::path file, std::chrono::seconds refresh_period)
    : token_(std::move(static_token)), file_(std::move(file)), refresh_period_(refresh_period) {}

BearerToken::~BearerToken() {
  // The token is a credential: do not leave it in freed memory.
  volatile char* p = token_.data();
  for (std::size_t i = 0; i < token_.size(); ++i) p[i] = 0;
}

std::string BearerToken::current() {
  std::lock_guard lock(mutex_);
  if (file_.empty()) return token_;
  const auto now = std::chrono::steady_clock::now();
  std::error_code ec;
  const auto mtime = fs::last_write_time(file_, ec);
  const bool changed = !ec && mtime != file_mtime_;
  if (!read_once_ || changed || now - read_at_ >= refresh_period_) {
    if (auto text = read_file(file_)) {
      token_ = trim(std::move(*text));
      file_mtime_ = ec ? file_mtime_ : mtime;
      read_at_ = now;
      read_once_ = true;
    } else {
      log::warn("cannot re-read the bearer token file; keeping the last token", {{"file", boost::json::value(file_.string())}});
      read_at_ = now;
    }
  }
  return token_;
}

}  // namespace dragops::kube
