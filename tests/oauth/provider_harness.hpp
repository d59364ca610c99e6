#pragma once
// Starts the real OAuth server (provider/server.mjs on oidc-provider) for a test: runs
// provider/setup.sh (npm install, once), spawns node on 127.0.0.1 port 0, waits for its READY
// line with a deadline, and stops it (SIGTERM, then SIGKILL) when destroyed.

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>

namespace dragops::oauth::testing {

struct ProviderConfig {
  int access_token_ttl_seconds = 5;
  std::string client_id = "dragops-test";
  std::string client_secret = "dragops-test-secret-CANARY-7f3a9c";
  std::string redirect_uri = "http://127.0.0.1:8443/oauth/callback";
};

class ProviderProcess {
 public:
  // Empty error string on success.
  static std::optional<ProviderProcess> start(const ProviderConfig& config, std::string& error,
                                              std::chrono::seconds deadline = std::chrono::seconds(60));
  ~ProviderProcess();
  ProviderProcess(ProviderProcess&& other) noexcept;
  ProviderProcess& operator=(ProviderProcess&&) = delete;
  ProviderProcess(const ProviderProcess&) = delete;

  const std::string& issuer() const { return issuer_; }
  const ProviderConfig& config() const { return config_; }
  std::string url(std::string_view path) const { return issuer_ + std::string(path); }

 private:
  ProviderProcess(pid_t pid, int stdout_fd, std::string issuer, ProviderConfig config)
      : pid_(pid), stdout_fd_(stdout_fd), issuer_(std::move(issuer)), config_(std::move(config)) {}
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string issuer_;
  ProviderConfig config_;
};

}  // namespace dragops::oauth::testing
