#include "store_watcher.hpp"

#include "common/log.hpp"

#include <boost/json/string_view.hpp>

#include <condition_variable>
#include <mutex>

namespace dragops::sidecar {

namespace json = boost::json;

StoreWatcher::StoreWatcher(kube::Api& api, StoreCache& cache, std::string pod_namespace, Kind kind, std::string name,
                           WatchTiming timing, std::function<Clock::time_point()> now)
    : api_(api),
      cache_(cache),
      namespace_(std::move(pod_namespace)),
      kind_(kind),
      name_(std::move(name)),
      store_name_(store_name(kind_, name_)),
      timing_(timing),
      now_(std::move(now)) {}

StoreWatcher::~StoreWatcher() { stop(); }

void StoreWatcher::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void StoreWatcher::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void StoreWatcher::run(std::stop_token stop) {
  auto backoff = timing_.initial_backoff;
  std::mutex mutex;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    if (list_and_watch(stop)) {
      backoff = timing_.initial_backoff;
      continue;
    }
    if (stop.stop_requested()) break;
    std::unique_lock lock(mutex);
    cv.wait_for(lock, stop, backoff, [] { return false; });
    backoff = std::min(backoff * 2, timing_.max_backoff);
  }
}

void StoreWatcher::apply(const std::string& type, json::object object) {
  if (type == "ADDED" || type == "MODIFIED") {
    cache_.set_present(kind_, name_, std::move(object), now_());
  } else if (type == "DELETED") {
    cache_.set_absent(kind_, name_, now_());
    log::info("store object deleted", {{"store", json::string_view(store_name_)}});
  }
}

bool StoreWatcher::list_and_watch(std::stop_token stop) {
  kube::ListOptions list_options;
  list_options.field_selector = "metadata.name=" + store_name_;
  auto listed = api_.list(kube::gvr::secrets(), namespace_, list_options);
  if (!listed) {
    cache_.set_unconfirmed(kind_, name_, now_());
    log::warn("cannot list the store object; serving the last known value until DRAGOPS_STALE_AFTER",
              {{"store", json::string_view(store_name_)}, {"code", listed.error().code},
               {"reason", json::string_view(listed.error().reason)}});
    return false;
  }
  std::string resource_version;
  if (auto meta = listed->find("metadata"); meta != listed->end() && meta->value().is_object()) {
    if (auto rv = meta->value().get_object().find("resourceVersion");
        rv != meta->value().get_object().end() && rv->value().is_string()) {
      resource_version = std::string(rv->value().get_string());
    }
  }
  bool found = false;
  if (auto items = listed->find("items"); items != listed->end() && items->value().is_array()) {
    for (auto& item : items->value().get_array()) {
      if (!item.is_object()) continue;
      apply("MODIFIED", std::move(item.get_object()));
      found = true;
    }
  }
  if (!found) cache_.set_absent(kind_, name_, now_());
  cache_.set_confirmed(kind_, name_);

  kube::WatchOptions watch_options;
  watch_options.field_selector = list_options.field_selector;
  watch_options.resource_version = resource_version;
  watch_options.allow_bookmarks = true;
  watch_options.timeout_seconds = timing_.watch_timeout_seconds;
  std::mutex mutex;
  std::condition_variable_any cv;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    auto watched = api_.watch(
        kube::gvr::secrets(), namespace_, watch_options,
        [&](kube::WatchEvent&& event) {
          if (auto meta = event.object.find("metadata"); meta != event.object.end() && meta->value().is_object()) {
            if (auto rv = meta->value().get_object().find("resourceVersion");
                rv != meta->value().get_object().end() && rv->value().is_string()) {
              watch_options.resource_version = std::string(rv->value().get_string());
            }
          }
          if (event.type != "BOOKMARK" && event.type != "ERROR") apply(event.type, std::move(event.object));
          return true;
        },
        stop);
    if (stop.stop_requested()) return true;
    if (watched) {   // the server ended the watch: resume from the last version
      // ...but not in a tight loop if it keeps ending at once.
      if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(100)) {
        std::unique_lock lock(mutex);
        cv.wait_for(lock, stop, timing_.initial_backoff, [] { return false; });
      }
      continue;
    }
    if (watched.error().gone()) return true;   // too old: list again
    cache_.set_unconfirmed(kind_, name_, now_());
    log::warn("store watch lost; serving the last known value until DRAGOPS_STALE_AFTER",
              {{"store", json::string_view(store_name_)}, {"code", watched.error().code},
               {"reason", json::string_view(watched.error().reason)}});
    return false;
  }
}

}  // namespace dragops::sidecar
