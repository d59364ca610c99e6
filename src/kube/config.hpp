#pragma once
// Where the cluster is and how to authenticate: from a kubeconfig file (as kubectl reads it) or
// from the pod's service account (in-cluster). Errors name the file, the entry and the problem;
// they never quote a credential.

#include "http/tls.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace dragops::kube {

struct Config {
  std::string server;                    // "https://host:port" (no trailing slash)
  http::TlsOptions tls;
  std::string token;                     // a static bearer token
  std::string token_file;                // re-read when it changes (wins over token)
  std::string default_namespace = "default";
  std::string context;                   // the kubeconfig context used, "" in-cluster
};

struct ConfigError {
  std::string message;
};

[[noreturn]] void throw_exception_from_error(const ConfigError& error, const boost::source_location& loc);

template <class T>
using ConfigResult = boost::system::result<T, ConfigError>;

// Parses kubeconfig text. Relative file paths in it are taken relative to base_dir (the
// folder of the file, as client-go does). context "" means current-context.
ConfigResult<Config> parse_kubeconfig(std::string_view yaml, const std::filesystem::path& base_dir = {},
                                      std::string_view context = "");

ConfigResult<Config> load_kubeconfig(const std::filesystem::path& path, std::string_view context = "");

// KUBECONFIG (a ':'-separated list merged as kubectl merges it: the first file to define a
// name or current-context wins), else $HOME/.kube/config.
ConfigResult<Config> load_kubeconfig_from_env(std::string_view context = "");

struct InClusterSource {
  std::filesystem::path token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::filesystem::path ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::filesystem::path namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  std::function<const char*(const char*)> getenv = [](const char* name) { return std::getenv(name); };
};

ConfigResult<Config> in_cluster_config(const InClusterSource& source = {});

// In-cluster when KUBERNETES_SERVICE_HOST is set, else the kubeconfig from the environment.
ConfigResult<Config> default_config();

// The bearer token to send: the static one, or the file's content, re-read when the file's
// modification time changes or every refresh_period (client-go re-reads every minute), so a
// rotated service-account token is picked up. Thread-safe.
class BearerToken {
 public:
  BearerToken(std::string static_token, std::filesystem::path file,
              std::chrono::seconds refresh_period = std::chrono::seconds(60));
  ~BearerToken();
  BearerToken(const BearerToken&) = delete;
  BearerToken& operator=(const BearerToken&) = delete;

  // "" when there is none. A file that cannot be read keeps the last good value.
  std::string current();

 private:
  std::mutex mutex_;
  std::string token_;
  std::filesystem::path file_;
  std::chrono::seconds refresh_period_;
  std::filesystem::file_time_type file_mtime_{};
  std::chrono::steady_clock::time_point read_at_{};
  bool read_once_ = false;
};

}  // namespace dragops::kube
