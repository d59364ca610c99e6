#pragma once
// Integration-test plumbing: the local API server (tests/support) and an HttpApi on its
// kubeconfig, plus a fresh namespace per test.

#include "kube/http_api.hpp"
#include "support/api_server_process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

namespace dragops::kube::testing {

// A field selector that leaves out the ConfigMap kube-controller-manager's root-CA publisher puts
// in every namespace of the real control plane (the local server has no such controller).
inline constexpr const char* kNotRootCa = "metadata.name!=kube-root-ca.crt";

inline std::unique_ptr<HttpApi> api_for(const dragops::testing::ApiServerProcess& server, HttpApiOptions options = {}) {
  auto config = load_kubeconfig(server.kubeconfig_path());
  if (!config) throw std::runtime_error(config.error().message);
  auto api = HttpApi::create(*config, options);
  if (!api) throw std::runtime_error(api.error().message);
  return std::move(*api);
}

inline std::string fresh_namespace(Api& api, const std::string& prefix) {
  static std::atomic<int> counter{0};
  const std::string name = prefix + "-" + std::to_string(++counter);
  auto created = api.create(gvr::namespaces(), "",
                            boost::json::object{{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                {"metadata", boost::json::object{{"name", name}}}});
  if (!created && !created.error().already_exists()) throw std::runtime_error(created.error().message);
  return name;
}

inline boost::json::object config_map(std::string_view ns, std::string_view name, boost::json::object data = {},
                                      boost::json::object labels = {}) {
  boost::json::object metadata{{"name", name}, {"namespace", ns}};
  if (!labels.empty()) metadata["labels"] = std::move(labels);
  return boost::json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata}, {"data", data}};
}

// One server for a whole suite (starting one costs a little); tests use their own namespaces.
class SharedServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<dragops::testing::ApiServerProcess>();
    server_->start();
    api_ = api_for(*server_);
  }
  static void TearDownTestSuite() {
    api_.reset();
    server_.reset();
  }
  static inline std::unique_ptr<dragops::testing::ApiServerProcess> server_;
  static inline std::unique_ptr<HttpApi> api_;
};

}  // namespace dragops::kube::testing
