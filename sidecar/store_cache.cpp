#include "store_cache.hpp"

#include "crypto/base64.hpp"

namespace dragops::sidecar {

std::string_view to_string(Kind kind) { return kind == Kind::connection ? "Connection" : "Secret"; }

std::string store_name(Kind kind, std::string_view name) {
  return (kind == Kind::connection ? "dragops-conn-" : "dragops-secret-") + std::string(name);
}

void StoreCache::track(Kind kind, const std::string& name) {
  std::lock_guard lock(mutex_);
  entries_.try_emplace({kind, name});
}

void StoreCache::set_present(Kind kind, const std::string& name, boost::json::object object, Clock::time_point now) {
  auto envelopes = std::make_shared<Envelopes>();
  if (auto data = object.find("data"); data != object.end() && data->value().is_object()) {
    for (const auto& kv : data->value().get_object()) {
      if (!kv.value().is_string()) continue;
      auto bytes = crypto::base64_decode(kv.value().get_string());
      envelopes->emplace(std::string(kv.key()), bytes ? std::move(*bytes) : std::vector<std::uint8_t>{});
    }
  }
  auto shared = std::make_shared<const boost::json::object>(std::move(object));
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find({kind, name});
    if (it == entries_.end()) return;
    it->second.presence = StoreEntry::Presence::present;
    it->second.object = std::move(shared);
    it->second.envelopes = std::move(envelopes);
    it->second.updated_at = now;
  }
  if (listener_) listener_(kind, name);
}

void StoreCache::set_absent(Kind kind, const std::string& name, Clock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find({kind, name});
    if (it == entries_.end()) return;
    it->second.presence = StoreEntry::Presence::absent;
    it->second.object.reset();
    it->second.envelopes.reset();
    it->second.updated_at = now;
  }
  if (listener_) listener_(kind, name);
}

void StoreCache::set_listener(std::function<void(Kind, const std::string&)> listener) { listener_ = std::move(listener); }

void StoreCache::set_unconfirmed(Kind kind, const std::string& name, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find({kind, name});
  if (it != entries_.end() && !it->second.unconfirmed_since) it->second.unconfirmed_since = now;
}

void StoreCache::set_confirmed(Kind kind, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find({kind, name});
  if (it != entries_.end()) it->second.unconfirmed_since.reset();
}

std::optional<StoreEntry> StoreCache::find(Kind kind, const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find({kind, name});
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

bool StoreCache::tracked(Kind kind, const std::string& name) const {
  std::lock_guard lock(mutex_);
  return entries_.count({kind, name}) != 0;
}

bool StoreCache::ready() const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, entry] : entries_) {
    if (entry.presence == StoreEntry::Presence::unknown) return false;
  }
  return true;
}

double StoreCache::age_seconds(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  double age = 0;
  for (const auto& [key, entry] : entries_) {
    if (entry.unconfirmed_since) {
      age = std::max(age, std::chrono::duration<double>(now - *entry.unconfirmed_since).count());
    }
  }
  return age;
}

bool StoreCache::all_confirmed() const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, entry] : entries_) {
    if (entry.unconfirmed_since) return false;
  }
  return true;
}

void StoreCache::set_keyring(std::shared_ptr<const crypto::Keyring> keyring) {
  std::lock_guard lock(mutex_);
  keyring_ = std::move(keyring);
}

std::shared_ptr<const crypto::Keyring> StoreCache::keyring() const {
  std::lock_guard lock(mutex_);
  return keyring_;
}

}  // namespace dragops::sidecar
