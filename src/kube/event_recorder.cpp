#include "kube/event_recorder.hpp"

#include "common/log.hpp"
#include "kube/cache.hpp"
#include "kube/time_format.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

namespace dragops::kube {

namespace json = boost::json;

ObjectReference ObjectReference::of(const json::object& object) {
  ObjectReference ref;
  if (const auto* v = object.if_contains("apiVersion"); v && v->is_string()) ref.api_version = std::string(v->as_string());
  if (const auto* v = object.if_contains("kind"); v && v->is_string()) ref.kind = std::string(v->as_string());
  ref.ns = namespace_of(object);
  ref.name = name_of(object);
  ref.resource_version = resource_version_of(object);
  if (const auto* m = object.if_contains("metadata"); m && m->is_object()) {
    if (const auto* uid = m->as_object().if_contains("uid"); uid && uid->is_string()) ref.uid = std::string(uid->as_string());
  }
  return ref;
}

namespace {

std::string_view type_name(EventType type) { return type == EventType::warning ? "Warning" : "Normal"; }

std::string object_identity(const ObjectReference& o) {
  return o.kind + "\x1f" + o.ns + "\x1f" + o.name + "\x1f" + o.uid + "\x1f" + o.api_version + "\x1f" + o.field_path;
}

}  // namespace

EventRecorder::EventRecorder(Api& api, EventRecorderOptions options)
    : api_(api), options_(std::move(options)), clock_(options_.clock ? options_.clock : real_clock()) {
  thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

EventRecorder::~EventRecorder() {
  flush(std::chrono::seconds(5));
  thread_.request_stop();
  {
    std::lock_guard lock(mutex_);
    cv_.notify_all();
  }
  thread_.join();
}

void EventRecorder::record(const ObjectReference& object, EventType type, std::string_view reason,
                           std::string_view message) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= options_.queue_capacity) {
    ++stats_.dropped_queue_full;
    return;
  }
  queue_.push_back(Pending{object, type, std::string(reason), std::string(message), clock_->wall_now()});
  cv_.notify_all();
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EventRecorder::loop(std::stop_token stop) {
  for (;;) {
    Pending pending;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return !queue_.empty() || stop.stop_requested(); });
      if (queue_.empty()) return;
      pending = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    write(pending);
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
      cv_.notify_all();
    }
  }
}

bool EventRecorder::allow(const std::string& object_key) {
  const auto now = clock_->now();
  auto [it, inserted] = buckets_.try_emplace(object_key, Bucket{static_cast<double>(options_.spam_burst), now});
  auto& bucket = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - bucket.at).count();
    const double refill = elapsed / static_cast<double>(options_.spam_refill.count());
    bucket.tokens = std::min<double>(options_.spam_burst, bucket.tokens + refill);
    bucket.at = now;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void EventRecorder::remember(const std::string& key, Seen seen) {
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    seen_order_.erase(it->second.age);
    seen_.erase(it);
  }
  seen_order_.push_front(key);
  seen.age = seen_order_.begin();
  seen_.emplace(key, std::move(seen));
  while (seen_.size() > options_.cache_size) {
    seen_.erase(seen_order_.back());
    seen_order_.pop_back();
  }
}

void EventRecorder::write(const Pending& pending) {
  const auto object_key = object_identity(pending.object) + "\x1f" + options_.component + "\x1f" + options_.host;
  if (!allow(object_key)) {
    std::lock_guard lock(mutex_);
    ++stats_.dropped_spam;
    return;
  }
  const auto key = object_key + "\x1f" + std::string(type_name(pending.type)) + "\x1f" + pending.reason + "\x1f" +
                   pending.message;
  const auto timestamp = format_time(pending.at);
  const std::string event_ns = pending.object.ns.empty() ? "default" : pending.object.ns;
  const Gvr events = gvr::events();

  if (auto it = seen_.find(key); it != seen_.end()) {
    Seen seen = it->second;
    const int count = seen.count + 1;
    const json::object patch{{"count", count}, {"lastTimestamp", timestamp}};
    auto patched = api_.patch(events, seen.ns, seen.name, PatchType::merge, json::serialize(patch));
    if (patched) {
      seen.count = count;
      remember(key, std::move(seen));
      std::lock_guard lock(mutex_);
      ++stats_.patched;
      return;
    }
    if (!patched.error().not_found()) {
      log::warn("event recorder could not count a repeated event",
                {{"reason", json::value(pending.reason)}, {"code", patched.error().code}});
      std::lock_guard lock(mutex_);
      ++stats_.failed;
      return;
    }
    // The Event expired or was deleted: start a new one below.
  }

  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(pending.at.time_since_epoch()).count();
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos) + sequence_++);
  const std::string name = (pending.object.name.empty() ? std::string("event") : pending.object.name) + suffix;
  json::object involved{{"kind", pending.object.kind}, {"name", pending.object.name}};
  if (!pending.object.ns.empty()) involved["namespace"] = pending.object.ns;
  if (!pending.object.uid.empty()) involved["uid"] = pending.object.uid;
  if (!pending.object.api_version.empty()) involved["apiVersion"] = pending.object.api_version;
  if (!pending.object.resource_version.empty()) involved["resourceVersion"] = pending.object.resource_version;
  if (!pending.object.field_path.empty()) involved["fieldPath"] = pending.object.field_path;
  json::object source{{"component", options_.component}};
  if (!options_.host.empty()) source["host"] = options_.host;
  json::object event{{"apiVersion", "v1"},
                     {"kind", "Event"},
                     {"metadata", json::object{{"name", name}, {"namespace", event_ns}}},
                     {"involvedObject", std::move(involved)},
                     {"reason", pending.reason},
                     {"message", pending.message},
                     {"type", type_name(pending.type)},
                     {"source", std::move(source)},
                     {"firstTimestamp", timestamp},
                     {"lastTimestamp", timestamp},
                     {"count", 1},
                     {"reportingComponent", options_.component},
                     {"reportingInstance", options_.host}};
  auto created = api_.create(events, event_ns, event);
  if (!created) {
    log::warn("event recorder could not create an event",
              {{"reason", json::value(pending.reason)}, {"code", created.error().code}});
    std::lock_guard lock(mutex_);
    ++stats_.failed;
    return;
  }
  remember(key, Seen{name, event_ns, 1, timestamp, {}});
  std::lock_guard lock(mutex_);
  ++stats_.created;
}

}  // namespace dragops::kube
