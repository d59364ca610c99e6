#pragma once
// The real Api: the Kubernetes REST API over http::Client. Thread-safe; one instance is meant to
// be shared by every informer, worker and elector of a process (connections are pooled).

#include "kube/api.hpp"
#include "kube/config.hpp"

#include <chrono>
#include <memory>

namespace dragops::http {
class Client;
}

namespace dragops::kube {

struct HttpApiOptions {
  std::chrono::milliseconds request_timeout{30'000};
  // A watch with no byte (not even a bookmark) for this long is treated as broken.
  std::chrono::milliseconds watch_idle_timeout{330'000};  // longer than the informer's 300 s watch timeout
  std::size_t max_response_bytes = 256u << 20;
  std::string user_agent = "dragops/0.1";
};

class HttpApi final : public Api {
 public:
  // Fails when the TLS material in config cannot be loaded.
  static ConfigResult<std::unique_ptr<HttpApi>> create(const Config& config, HttpApiOptions options = {});
  ~HttpApi() override;

  Result<boost::json::object> get(const Gvr& gvr, std::string_view ns, std::string_view name) override;
  Result<boost::json::object> list(const Gvr& gvr, std::string_view ns, const ListOptions& options) override;
  Result<boost::json::object> create(const Gvr& gvr, std::string_view ns, const boost::json::object& object) override;
  Result<boost::json::object> update(const Gvr& gvr, std::string_view ns, const boost::json::object& object,
                                     std::string_view subresource = "") override;
  Result<boost::json::object> patch(const Gvr& gvr, std::string_view ns, std::string_view name, PatchType type,
                                    std::string_view body, std::string_view subresource = "") override;
  Result<boost::json::object> remove(const Gvr& gvr, std::string_view ns, std::string_view name,
                                     const DeleteOptions& options = {}) override;
  Result<void> watch(const Gvr& gvr, std::string_view ns, const WatchOptions& options,
                     const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop) override;

  const Config& config() const { return config_; }

 private:
  HttpApi(Config config, HttpApiOptions options, std::shared_ptr<http::Client> client);
  Result<boost::json::object> call(std::string method, std::string path, std::string body = {},
                                   std::string_view content_type = {});

  Config config_;
  HttpApiOptions options_;
  std::shared_ptr<http::Client> client_;
  std::unique_ptr<BearerToken> token_;
};

}  // namespace dragops::kube
