#include "operator/event_watch.hpp"

#include "common/log.hpp"
#include "kube/backoff.hpp"
#include "kube/clock.hpp"
#include "store/json_access.hpp"

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

EventWatch::EventWatch(kube::Api& api, Options options, OnEvent on_event, std::function<void()> on_resync)
    : api_(api), options_(std::move(options)), on_event_(std::move(on_event)), on_resync_(std::move(on_resync)) {}

EventWatch::~EventWatch() { stop(); }

void EventWatch::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void EventWatch::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void EventWatch::run(std::stop_token stop) {
  kube::Backoff backoff;
  const auto clock = kube::real_clock();
  std::string resource_version;
  bool listed_before = false;
  while (!stop.stop_requested()) {
    if (resource_version.empty()) {
      kube::ListOptions list_options;
      list_options.label_selector = options_.label_selector;
      list_options.field_selector = options_.field_selector;
      list_options.limit = options_.on_listed ? 500 : 1;   // without on_listed only the snapshot's resourceVersion is needed
      listing_ = true;
      if (options_.on_listed) options_.on_listed(nullptr);
      bool failed = false;
      resource_version.clear();
      do {
        auto list = api_.list(options_.gvr, options_.ns, list_options);
        if (!list) {
          log::warn("watch list failed", {{"resource", json::value(options_.gvr.resource)}, {"code", list.error().code}});
          failed = true;
          break;
        }
        const auto* metadata = object_at(*list, "metadata");
        if (resource_version.empty() && metadata) resource_version = string_at(*metadata, "resourceVersion");
        list_options.continue_token = metadata ? std::string(string_at(*metadata, "continue")) : "";
        if (options_.on_listed)
          if (auto it = list->find("items"); it != list->end() && it->value().is_array())
            for (const auto& item : it->value().get_array())
              if (item.is_object()) options_.on_listed(&item.get_object());
      } while (options_.on_listed && !list_options.continue_token.empty());
      if (failed) {
        resource_version.clear();
        kube::sleep_for(*clock, backoff.next(), stop);
        continue;
      }
      listing_ = false;
      if (listed_before && on_resync_) on_resync_();
      listed_before = true;
      synced_ = true;
    }
    kube::WatchOptions watch_options;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.resource_version = resource_version;
    watch_options.timeout_seconds = 300;
    auto watched = api_.watch(options_.gvr, options_.ns, watch_options, [&](kube::WatchEvent&& event) {
      if (event.type == "ERROR") {
        if (auto code = event.object.find("code"); code != event.object.end() && code->value().is_int64() &&
            code->value().get_int64() == 410)
          resource_version.clear();
        return false;
      }
      if (auto rv = meta_string(event.object, "resourceVersion"); !rv.empty()) resource_version = rv;
      if (event.type != "BOOKMARK") on_event_(event);
      backoff.reset();
      return true;
    }, stop);
    if (!watched) {
      if (watched.error().gone()) {
        resource_version.clear();
        continue;
      }
      kube::sleep_for(*clock, backoff.next(), stop);
    }
  }
}

}  // namespace dragops::op
