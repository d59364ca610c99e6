#include "kube/informer.hpp"

#include "common/log.hpp"

#include <unordered_map>

namespace dragops::kube {

namespace json = boost::json;

void strip_managed_fields(json::object& object) {
  if (auto* metadata = object.if_contains("metadata"); metadata && metadata->is_object())
    metadata->as_object().erase("managedFields");
}

Informer::Informer(Api& api, InformerOptions options)
    : api_(api), options_(std::move(options)), clock_(options_.clock ? options_.clock : real_clock()) {
  if (!options_.random) options_.random = default_random();
}

Informer::~Informer() { stop(); }

void Informer::add_index(std::string name, IndexFunc fn) { cache_.add_index(std::move(name), std::move(fn)); }

void Informer::add_handlers(EventHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::start() {
  if (started_) return;
  started_ = true;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Informer::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

bool Informer::has_synced() const {
  std::lock_guard lock(mutex_);
  return synced_;
}

bool Informer::wait_for_sync(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  return sync_cv_.wait_until(lock, deadline, [&] { return synced_; });
}

std::string Informer::last_resource_version() const {
  std::lock_guard lock(mutex_);
  return resource_version_;
}

InformerStats Informer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Informer::set_resource_version(std::string rv) {
  if (rv.empty()) return;
  std::lock_guard lock(mutex_);
  resource_version_ = std::move(rv);
}

void Informer::notify_add(const ObjectPtr& object) {
  for (const auto& h : handlers_) {
    if (h.on_add) h.on_add(object);
  }
}

void Informer::notify_update(const ObjectPtr& old_object, const ObjectPtr& new_object) {
  for (const auto& h : handlers_) {
    if (h.on_update) h.on_update(old_object, new_object);
  }
}

void Informer::notify_delete(const ObjectPtr& object) {
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(object);
  }
}

// Lists every page and replaces the cache by the result, telling handlers what changed.
// Returns the list's resourceVersion.
Result<std::string> Informer::list_and_replace(std::stop_token stop) {
  std::unordered_map<std::string, ObjectPtr> fresh;
  std::string list_rv;
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  bool first_page = true;
  for (;;) {
    if (stop.stop_requested()) return Status{0, "Cancelled", "informer stopped"};
    auto page = api_.list(options_.gvr, options_.ns, list_options);
    if (!page) {
      if (page.error().gone() && !first_page) {
        // The continue token expired mid-list: start over without paging (as client-go does).
        fresh.clear();
        list_options.continue_token.clear();
        list_options.limit = 0;
        first_page = true;
        continue;
      }
      return page.error();
    }
    const auto* metadata = page->if_contains("metadata");
    std::string continue_token;
    if (metadata && metadata->is_object()) {
      const auto& m = metadata->as_object();
      if (first_page) {
        if (const auto* rv = m.if_contains("resourceVersion"); rv && rv->is_string()) list_rv = std::string(rv->as_string());
      }
      if (const auto* c = m.if_contains("continue"); c && c->is_string()) continue_token = std::string(c->as_string());
    }
    if (auto* items = page->if_contains("items"); items && items->is_array()) {
      for (auto& item : items->as_array()) {
        if (!item.is_object()) continue;
        if (options_.transform) options_.transform(item.as_object());
        auto object = std::make_shared<const json::object>(std::move(item.as_object()));
        auto key = object_key(*object);
        fresh[std::move(key)] = std::move(object);
      }
    }
    first_page = false;
    if (continue_token.empty()) break;
    list_options.continue_token = std::move(continue_token);
  }

  // Deletes first, then adds and updates, each only when something really changed.
  for (const auto& key : cache_.keys()) {
    if (!fresh.count(key)) {
      if (auto old = cache_.erase(key)) notify_delete(old);
    }
  }
  for (auto& [key, object] : fresh) {
    auto existing = cache_.get_by_key(key);
    if (existing && resource_version_of(*existing) == resource_version_of(*object)) continue;
    auto old = cache_.upsert(key, object);
    if (old) {
      notify_update(old, object);
    } else {
      notify_add(object);
    }
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.lists;
    resource_version_ = list_rv;
    synced_ = true;
  }
  sync_cv_.notify_all();
  return list_rv;
}

bool Informer::apply_event(WatchEvent&& event) {
  if (event.type == "BOOKMARK") {
    set_resource_version(resource_version_of(event.object));
    return true;
  }
  if (options_.transform) options_.transform(event.object);
  auto object = std::make_shared<const json::object>(std::move(event.object));
  const auto key = object_key(*object);
  const auto rv = resource_version_of(*object);
  if (event.type == "ADDED" || event.type == "MODIFIED") {
    auto existing = cache_.get_by_key(key);
    if (!existing || resource_version_of(*existing) != rv) {
      auto old = cache_.upsert(key, object);
      if (old) {
        notify_update(old, object);
      } else {
        notify_add(object);
      }
    }
  } else if (event.type == "DELETED") {
    if (auto old = cache_.erase(key)) notify_delete(object);
  } else {
    log::warn("informer ignored a watch event of unknown type", {{"type", json::value(event.type)}});
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.events;
  }
  set_resource_version(rv);
  return true;
}

void Informer::run(std::stop_token stop) {
  Backoff backoff(options_.backoff, options_.random);
  bool need_list = true;
  const std::string resource = options_.gvr.resource;
  while (!stop.stop_requested()) {
    if (need_list) {
      auto listed = list_and_replace(stop);
      if (!listed) {
        if (stop.stop_requested()) break;
        const auto delay = backoff.next();
        log::warn("informer list failed; retrying",
                  {{"resource", json::value(resource)}, {"code", listed.error().code},
                   {"reason", json::value(listed.error().reason)}, {"retry_ms", delay.count()}});
        sleep_for(*clock_, delay, stop);
        continue;
      }
      need_list = false;
      backoff.reset();
    }

    WatchOptions watch_options;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.resource_version = last_resource_version();
    watch_options.allow_bookmarks = true;
    watch_options.timeout_seconds = options_.watch_timeout_seconds;
    {
      std::lock_guard lock(mutex_);
      ++stats_.watches;
    }
    bool got_events = false;
    auto watched = api_.watch(options_.gvr, options_.ns, watch_options,
                              [&](WatchEvent&& event) {
                                got_events = true;
                                return apply_event(std::move(event));
                              },
                              stop);
    if (stop.stop_requested()) break;
    if (watched) {
      // The server ended the stream (timeoutSeconds): watch again at once, unless it keeps
      // closing empty streams, which earns a backoff.
      if (got_events) {
        backoff.reset();
      } else {
        sleep_for(*clock_, backoff.next(), stop);
      }
      continue;
    }
    if (watched.error().gone()) {
      log::info("informer watch history expired; listing again", {{"resource", json::value(resource)}});
      std::lock_guard lock(mutex_);
      ++stats_.relists;
      need_list = true;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      ++stats_.watch_errors;
    }
    if (got_events) backoff.reset();
    const auto delay = backoff.next();
    log::warn("informer watch failed; reconnecting",
              {{"resource", json::value(resource)}, {"code", watched.error().code},
               {"reason", json::value(watched.error().reason)}, {"retry_ms", delay.count()}});
    sleep_for(*clock_, delay, stop);
  }
}

}  // namespace dragops::kube
