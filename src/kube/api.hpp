#pragma once
// The Kubernetes API seam. Everything in the operator and the sidecar talks to the cluster
// through this interface; `HttpApi` (http_api.hpp) is the real implementation, and tests may
// substitute their own. Objects are Boost.JSON objects exactly as the API server sends them.
//
// No call throws on a request path: every outcome is a Result whose error is the server's
// metav1.Status (or a Status with code 0 for a transport failure).

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

namespace dragops::kube {

// A resource by group/version/resource; group is "" for the core API.
struct Gvr {
  std::string group;
  std::string version;
  std::string resource;

  friend bool operator==(const Gvr&, const Gvr&) = default;
};

namespace gvr {
inline Gvr secrets() { return {"", "v1", "secrets"}; }
inline Gvr namespaces() { return {"", "v1", "namespaces"}; }
inline Gvr pods() { return {"", "v1", "pods"}; }
inline Gvr events() { return {"", "v1", "events"}; }
inline Gvr config_maps() { return {"", "v1", "configmaps"}; }
inline Gvr service_accounts() { return {"", "v1", "serviceaccounts"}; }
inline Gvr leases() { return {"coordination.k8s.io", "v1", "leases"}; }
inline Gvr crds() { return {"apiextensions.k8s.io", "v1", "customresourcedefinitions"}; }
inline Gvr mutating_webhooks() { return {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"}; }
inline Gvr connections() { return {"dragops.io", "v1alpha1", "connections"}; }
inline Gvr dragops_secrets() { return {"dragops.io", "v1alpha1", "secrets"}; }
inline Gvr integration_packs() { return {"dragops.io", "v1alpha1", "integrationpacks"}; }
}  // namespace gvr

// metav1.Status as an error value. code 0 means the request never got an HTTP answer.
struct Status {
  int code = 0;
  std::string reason;   // "NotFound", "Conflict", "AlreadyExists", "Gone", "Invalid", ...
  std::string message;

  bool not_found() const { return code == 404; }
  bool conflict() const { return code == 409 && reason == "Conflict"; }
  bool already_exists() const { return code == 409 && reason == "AlreadyExists"; }
  bool gone() const { return code == 410; }
  bool transport() const { return code == 0; }
};

template <class T>
using Result = boost::system::result<T, Status>;

// Lets Result<T>::value() report a Status if someone calls it on an error (startup code only).
[[noreturn]] void throw_exception_from_error(const Status& status, const boost::source_location& loc);

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;         // 0: no limit
  std::string continue_token;
  std::string resource_version;   // "" : most recent
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;   // watch from here
  bool allow_bookmarks = true;
  int timeout_seconds = 0;        // 0: server default
};

struct WatchEvent {
  std::string type;               // ADDED | MODIFIED | DELETED | BOOKMARK | ERROR
  boost::json::object object;     // for ERROR, a metav1.Status object
};

enum class PatchType { merge, json, strategic_merge };

struct DeleteOptions {
  std::string propagation_policy;               // "", "Background", "Foreground", "Orphan"
  std::string precondition_uid;                 // "" : none
  std::string precondition_resource_version;    // "" : none
  bool dry_run = false;
};

class Api {
 public:
  virtual ~Api() = default;

  // ns is "" for cluster-scoped resources (and for list/watch across all namespaces).
  virtual Result<boost::json::object> get(const Gvr& gvr, std::string_view ns, std::string_view name) = 0;
  virtual Result<boost::json::object> list(const Gvr& gvr, std::string_view ns, const ListOptions& options) = 0;
  virtual Result<boost::json::object> create(const Gvr& gvr, std::string_view ns,
                                             const boost::json::object& object) = 0;
  // PUT of object (metadata.name and metadata.resourceVersion taken from it). subresource: "" or "status".
  virtual Result<boost::json::object> update(const Gvr& gvr, std::string_view ns, const boost::json::object& object,
                                             std::string_view subresource = "") = 0;
  virtual Result<boost::json::object> patch(const Gvr& gvr, std::string_view ns, std::string_view name,
                                            PatchType type, std::string_view body,
                                            std::string_view subresource = "") = 0;
  // Returns the server's answer body (the object with deletionTimestamp, or a Status).
  virtual Result<boost::json::object> remove(const Gvr& gvr, std::string_view ns, std::string_view name,
                                             const DeleteOptions& options = {}) = 0;
  // Blocks, delivering events in order until on_event returns false, the server closes the
  // stream (returns success), stop is requested (success), or an error (returned; a 410 Gone
  // arrives as Status{410, "Gone"} whether sent as an HTTP status or as an ERROR event).
  virtual Result<void> watch(const Gvr& gvr, std::string_view ns, const WatchOptions& options,
                             const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop) = 0;
};

}  // namespace dragops::kube
