#pragma once
// An informer, as client-go's SharedIndexInformer (one consumer thread, any number of handlers):
//
// 1. lists the resource (paginated), fills the cache and reports the differences to handlers;
// 2. watches from the list's resourceVersion with bookmarks, applying every event to the cache
//    and then to the handlers, remembering the last resourceVersion seen;
// 3. on a transport error or a closed stream, watches again from that resourceVersion (after
//    an exponential backoff with jitter when it failed);
// 4. on 410 Gone (history too short), lists again and hands the handlers the DIFFERENCE
//    between the cache and the new list (adds, updates with changed resourceVersion, deletes),
//    so no change is missed and none is delivered twice.
//
// Handlers run on the informer's thread, one event at a time, after the cache holds the new
// state; keep them short (enqueue a key in a WorkQueue). The cache may be read from any thread.

#include "kube/api.hpp"
#include "kube/backoff.hpp"
#include "kube/cache.hpp"
#include "kube/clock.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace dragops::kube {

struct EventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;  // the last state known
};

struct InformerOptions {
  Gvr gvr;
  std::string ns;  // "" : all namespaces (or cluster-scoped)
  std::string label_selector;
  std::string field_selector;
  std::int64_t page_size = 500;
  BackoffPolicy backoff{std::chrono::milliseconds(800), std::chrono::milliseconds(30'000), 2.0, 1.0};
  RandomSource random;               // null: a seeded generator
  std::shared_ptr<Clock> clock;      // null: the real clock
  int watch_timeout_seconds = 300;   // the server closes the watch after this; we re-watch
  // Applied to every listed or watched object before it is cached and handed to the handlers
  // (client-go's SetTransform), e.g. strip_managed_fields.
  std::function<void(boost::json::object&)> transform;
};

// Drops metadata.managedFields, which the real API server keeps on every object (often larger
// than the rest of a small object) and which no reconcile reads.
void strip_managed_fields(boost::json::object& object);

struct InformerStats {
  std::uint64_t lists = 0;        // complete lists (including re-lists)
  std::uint64_t relists = 0;      // lists caused by 410 Gone
  std::uint64_t watches = 0;      // watch requests started
  std::uint64_t watch_errors = 0; // transport or server errors other than 410
  std::uint64_t events = 0;       // watch events applied (bookmarks excluded)
};

class Informer {
 public:
  Informer(Api& api, InformerOptions options);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Both before start().
  void add_index(std::string name, IndexFunc fn);
  void add_handlers(EventHandlers handlers);

  void start();  // runs on its own thread until stop()
  void stop();
  void run(std::stop_token stop);  // or run on the caller's thread

  bool has_synced() const;
  // Real-time wait for the first complete list; false at deadline.
  bool wait_for_sync(std::chrono::steady_clock::time_point deadline) const;

  const Cache& cache() const { return cache_; }
  std::string last_resource_version() const;
  InformerStats stats() const;

 private:
  Result<std::string> list_and_replace(std::stop_token stop);
  bool apply_event(WatchEvent&& event);
  void notify_add(const ObjectPtr& object);
  void notify_update(const ObjectPtr& old_object, const ObjectPtr& new_object);
  void notify_delete(const ObjectPtr& object);
  void set_resource_version(std::string rv);

  Api& api_;
  InformerOptions options_;
  std::shared_ptr<Clock> clock_;
  Cache cache_;
  std::vector<EventHandlers> handlers_;
  mutable std::mutex mutex_;
  mutable std::condition_variable sync_cv_;
  bool synced_ = false;
  std::string resource_version_;
  InformerStats stats_;
  std::jthread thread_;
  bool started_ = false;
};

}  // namespace dragops::kube
