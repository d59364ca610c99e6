#pragma once
// The sidecar's configuration: exactly the environment the webhook writes into its container
// (docs/sidecar.md lists every variable). Parsing is pure so tests feed it a map.

#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::sidecar {

struct Config {
  std::string pod_namespace;
  std::string pod_name;
  std::vector<std::string> connections;   // allowed Connection names
  std::vector<std::string> secrets;       // allowed dragops Secret names
  std::string environment;                // which value of each secret
  std::string key_dir = "/var/run/dragops-keys";
  std::string token_file = "/var/run/dragops/token";
  std::vector<std::string> listen = {"127.0.0.1:8900", "[::1]:8900"};
  std::vector<std::string> health_listen = {"0.0.0.0:8901"};
  std::chrono::milliseconds stale_after{std::chrono::seconds(300)};
  // The operator's --oauth-refresh-min-skew: with it the sidecar knows when the operator is late
  // with a token's refresh (RefreshGate).
  std::chrono::milliseconds refresh_min_skew{std::chrono::seconds(60)};
  std::string log_level = "info";
};

using Getenv = std::function<const char*(const char*)>;

// Reads DRAGOPS_* variables; the error names the variable and what is wrong with it.
// Refuses an API listen address that is not loopback (the API must never leave the pod).
boost::system::result<Config, std::string> config_from_env(const Getenv& getenv);

// "300s", "5m", "1h", "250ms", "2" (seconds). false on anything else.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out);
// "a,b" -> {"a","b"}, trimming spaces; empty entries are an error (false).
bool split_names(std::string_view text, std::vector<std::string>& out);
// 127.0.0.0/8, ::1 or "localhost" (host part of a listen address or a Host header).
bool is_loopback_host(std::string_view host);

}  // namespace dragops::sidecar
