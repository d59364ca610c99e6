#pragma once
// Records core/v1 Events about objects, as client-go's record.EventRecorder with its
// EventCorrelator: the same (object, type, reason, message, source) again within the cache's
// memory increments `count` and `lastTimestamp` of the existing Event by a PATCH instead of
// creating a duplicate; a per-object token bucket (burst 25, one more every 5 minutes, like
// client-go's spam filter) bounds how many an object can emit.
//
// record() never blocks on the API: it puts the event on a bounded queue that one background
// thread writes out; when the queue is full the event is dropped and counted.

#include "kube/api.hpp"
#include "kube/clock.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace dragops::kube {

enum class EventType { normal, warning };

struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;

  static ObjectReference of(const boost::json::object& object);
};

struct EventRecorderOptions {
  std::string component;         // source.component / reportingComponent
  std::string host;              // source.host / reportingInstance
  std::shared_ptr<Clock> clock;  // null: the real clock
  std::size_t queue_capacity = 1000;
  int spam_burst = 25;
  std::chrono::seconds spam_refill{300};
  std::size_t cache_size = 4096;  // distinct events remembered for counting
};

struct EventRecorderStats {
  std::uint64_t created = 0;
  std::uint64_t patched = 0;          // repeats counted on an existing Event
  std::uint64_t dropped_queue_full = 0;
  std::uint64_t dropped_spam = 0;
  std::uint64_t failed = 0;           // the API refused or could not be reached
};

class EventRecorder {
 public:
  EventRecorder(Api& api, EventRecorderOptions options);
  ~EventRecorder();  // writes out what is queued, then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(const ObjectReference& object, EventType type, std::string_view reason, std::string_view message);
  void record(const boost::json::object& object, EventType type, std::string_view reason, std::string_view message) {
    record(ObjectReference::of(object), type, reason, message);
  }

  // Waits (real time) until every queued event has been written; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  EventRecorderStats stats() const;

 private:
  struct Pending {
    ObjectReference object;
    EventType type;
    std::string reason;
    std::string message;
    std::chrono::system_clock::time_point at;
  };
  struct Seen {
    std::string name;
    std::string ns;
    int count = 0;
    std::string first_timestamp;
    std::list<std::string>::iterator age;
  };
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };

  void loop(std::stop_token stop);
  void write(const Pending& pending);
  bool allow(const std::string& object_key);
  void remember(const std::string& key, Seen seen);

  Api& api_;
  EventRecorderOptions options_;
  std::shared_ptr<Clock> clock_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  EventRecorderStats stats_;
  // Touched by the writer thread only.
  std::unordered_map<std::string, Seen> seen_;
  std::list<std::string> seen_order_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::uint64_t sequence_ = 0;
  std::jthread thread_;
};

}  // namespace dragops::kube
