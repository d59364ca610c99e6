#include "operator/sidecar_access/pod_informer.hpp"

#include "inject/injected_pod.hpp"
#include "store/json_access.hpp"

namespace dragops::op::sidecar_access {

namespace json = boost::json;
using namespace store::json_access;

namespace {

constexpr const char* kServiceAccountIndex = "serviceAccount";

std::string key_of(const json::object& pod) { return kube::key_of(kube::namespace_of(pod), inject::service_account_of(pod)); }

bool same_grant(const json::object& a, const json::object& b) {
  auto left = inject::read_injected_pod(a);
  auto right = inject::read_injected_pod(b);
  if (left.has_value() != right.has_value()) return false;
  return !left || (left->service_account == right->service_account && left->store_names == right->store_names);
}

}  // namespace

std::set<std::string> excluded_namespaces(const std::string& operator_namespace) { return {operator_namespace, "kube-system"}; }

std::unique_ptr<kube::Informer> make_injected_pod_informer(kube::Api& api, const std::string& ns, std::set<std::string> excluded,
                                                           std::function<void(const std::string& key)> enqueue) {
  kube::InformerOptions options;
  options.gvr = kube::gvr::pods();
  options.ns = ns;
  options.label_selector = std::string(inject::kInjectedLabel) + "=true";
  options.transform = kube::strip_managed_fields;
  auto informer = std::make_unique<kube::Informer>(api, std::move(options));
  informer->add_index(kServiceAccountIndex, [](const json::object& pod) { return std::vector<std::string>{key_of(pod)}; });
  auto report = [excluded = std::move(excluded), enqueue = std::move(enqueue)](const kube::ObjectPtr& pod) {
    if (!excluded.contains(kube::namespace_of(*pod))) enqueue(key_of(*pod));
  };
  kube::EventHandlers handlers;
  handlers.on_add = report;
  handlers.on_update = [report](const kube::ObjectPtr& old_pod, const kube::ObjectPtr& new_pod) {
    if (!same_grant(*old_pod, *new_pod)) report(new_pod);
  };
  handlers.on_delete = report;
  informer->add_handlers(std::move(handlers));
  return informer;
}

std::vector<kube::ObjectPtr> pods_of(const kube::Informer& informer, std::string_view ns, std::string_view service_account) {
  return informer.cache().by_index(kServiceAccountIndex, kube::key_of(ns, service_account));
}

std::pair<std::string, std::string> split_key(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace dragops::op::sidecar_access
