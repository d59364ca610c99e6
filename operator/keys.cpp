#include "operator/keys.hpp"

#include "operator/api_failure.hpp"
#include "common/log.hpp"
#include "store/json_access.hpp"
#include "store/keyring_objects.hpp"
#include "store/names.hpp"
#include "store/root_key.hpp"

#include <boost/json/serialize.hpp>

#include <ctime>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

constexpr std::string_view kRotatedAtAnnotation = "dragops.io/rotated-at";
constexpr std::string_view kPendingSinceAnnotation = "dragops.io/pending-since";

using Error = std::string;

using op::describe;
using op::failure;

bool same_ring(const crypto::Keyring& a, const crypto::Keyring& b) {
  if (a.primary() != b.primary() || a.versions() != b.versions()) return false;
  for (auto version : a.versions())
    if (!a.key(version)->equals(*b.key(version))) return false;
  return true;
}

std::uint32_t max_version(const crypto::Keyring& ring) {
  auto versions = ring.versions();
  return versions.empty() ? 0 : versions.back();
}

}  // namespace

std::string format_time(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

KeyManager::KeyManager(kube::Api& api, Options options, WallClock clock)
    : api_(api), options_(std::move(options)), clock_(std::move(clock)) {}

std::string KeyManager::now_text() const { return format_time(clock_()); }

kube::Result<void> KeyManager::ensure_root_key() {
  auto loaded = load_root_key();
  std::lock_guard lock(mutex_);
  root_problem_ = loaded ? "" : loaded.error().message;
  return loaded;
}

std::string KeyManager::root_key_problem() const {
  std::lock_guard lock(mutex_);
  return root_problem_;
}

kube::Result<void> KeyManager::load_root_key() {
  const auto unavailable = [](std::string message) {
    return kube::Result<void>(boost::system::in_place_error, kube::Status{0, "RootKeyUnavailable", std::move(message)});
  };
  std::shared_ptr<crypto::KeyWrapper> wrapper;
  if (options_.wrapper) {
    auto opened = options_.wrapper();
    if (!opened) return unavailable("PKCS#11: " + opened.error());
    wrapper = *opened;
  }
  const auto& ns = options_.operator_namespace;
  auto existing = api_.get(kube::gvr::secrets(), ns, store::kRootKeyName);
  if (!existing && existing.error().not_found()) {
    auto root = crypto::Keyring::generate();
    auto object = store::build_root_key(ns, root, wrapper.get());
    if (!object) return unavailable(object.error());
    auto created = api_.create(kube::gvr::secrets(), ns, *object);
    store::wipe_data(*object);
    if (created) {
      log::info("root key created", {{"namespace", json::value(ns)}, {"wrapping", wrapper ? "pkcs11" : "none"}});
      existing = std::move(created);
    } else if (created.error().already_exists()) {
      existing = api_.get(kube::gvr::secrets(), ns, store::kRootKeyName);
    } else {
      return {boost::system::in_place_error, created.error()};
    }
  }
  if (!existing) return {boost::system::in_place_error, existing.error()};
  if (wrapper && store::root_key_form(*existing) == store::RootKeyForm::plain) {
    // Migration to PKCS#11: wrap the ring with a new primary version and start a rotation, so
    // the version that sat in etcd in plaintext is retired once every ring is re-wrapped.
    auto plain = store::load_plain_keyring(*existing);
    if (!plain) {
      store::wipe_data(*existing);
      return unavailable("root key Secret: " + plain.error());
    }
    crypto::Keyring next = *plain;
    next.set_primary(next.add());
    const std::string request = "pkcs11-migration";
    std::lock_guard lock(mutex_);
    wrapper_ = wrapper;
    auto written = write_root(*existing, next,
                              {{std::string(store::kRotateRootKeyAnnotation), request},
                               {std::string(store::kRootKeyRotatingAnnotation), request}});
    store::wipe_data(*existing);
    if (!written) return unavailable(written.error());
    log::info("root key wrapped by PKCS#11; rotating away from the plaintext version",
              {{"namespace", json::value(ns)}, {"version", next.primary()}});
    existing = std::move(*written);
  }
  auto root = store::load_root_key(*existing, wrapper.get());
  store::wipe_data(*existing);
  if (!root) return unavailable("root key Secret: " + root.error());
  std::lock_guard lock(mutex_);
  root_ = std::make_shared<const crypto::Keyring>(std::move(*root));
  root_uid_ = meta_string(*existing, "uid");
  root_resource_version_ = meta_string(*existing, "resourceVersion");
  wrapper_ = std::move(wrapper);
  return {};
}

std::optional<KeyManager::RootKey> KeyManager::root_key() const {
  std::lock_guard lock(mutex_);
  if (!root_) return std::nullopt;
  return RootKey{root_, root_uid_};
}

boost::system::result<void, Error> KeyManager::sync_projection(const std::string& ns, const crypto::Keyring& ring) {
  auto desired = store::build_projected_keyring_secret(ns, ring);
  auto current = api_.get(kube::gvr::secrets(), ns, store::kProjectedKeyringName);
  kube::Result<json::object> written = current;
  if (!current && current.error().not_found()) {
    written = api_.create(kube::gvr::secrets(), ns, desired);
  } else if (current) {
    auto loaded = store::load_plain_keyring(*current);
    store::wipe_data(*current);
    if (loaded && same_ring(*loaded, ring)) {
      store::wipe_data(desired);
      return {};
    }
    desired["metadata"].as_object()["resourceVersion"] = meta_string(*current, "resourceVersion");
    written = api_.update(kube::gvr::secrets(), ns, desired);
  }
  store::wipe_data(desired);
  if (!written) return failure<void>("projected key ring in namespace \"" + ns + "\": " + describe(written.error()));
  if (written->contains("data")) store::wipe_data(*written);
  return {};
}

boost::system::result<KeyManager::Entry, Error> KeyManager::load_or_create(const std::string& ns) {
  const auto name = store::authoritative_keyring_name(ns);
  auto existing = api_.get(kube::gvr::secrets(), options_.operator_namespace, name);
  if (!existing && existing.error().not_found()) {
    auto ring = crypto::Keyring::generate();
    auto object = store::build_authoritative_keyring_secret(options_.operator_namespace, ns, root_uid_, *root_, ring);
    object["metadata"].as_object()["annotations"].as_object()[kRotatedAtAnnotation] = now_text();
    auto created = api_.create(kube::gvr::secrets(), options_.operator_namespace, object);
    if (created) {
      log::info("data key ring created", {{"namespace", json::value(ns)}});
      existing = std::move(created);
    } else if (created.error().already_exists()) {
      existing = api_.get(kube::gvr::secrets(), options_.operator_namespace, name);
    } else {
      return failure<Entry>("data key ring of namespace \"" + ns + "\": " + describe(created.error()));
    }
  }
  if (!existing) return failure<Entry>("data key ring of namespace \"" + ns + "\": " + describe(existing.error()));
  auto ring = store::open_authoritative_keyring(*existing, ns, root_uid_, *root_);
  if (!ring) return failure<Entry>("data key ring of namespace \"" + ns + "\" cannot be opened: " + ring.error());
  if (auto synced = sync_projection(ns, *ring); !synced) return failure<Entry>(synced.error());
  return Entry{std::make_shared<const crypto::Keyring>(std::move(*ring)), std::move(*existing)};
}

boost::system::result<RingPtr, Error> KeyManager::ring(const std::string& app_namespace) {
  std::lock_guard lock(mutex_);
  if (!root_) return failure<RingPtr>("root key not loaded");
  if (auto it = entries_.find(app_namespace); it != entries_.end()) return it->second.ring;
  auto entry = load_or_create(app_namespace);
  if (!entry) return failure<RingPtr>(entry.error());
  auto ring = entry->ring;
  entries_.emplace(app_namespace, std::move(*entry));
  return ring;
}

boost::system::result<void, Error> KeyManager::write(const std::string& ns, Entry& entry, const crypto::Keyring& next,
                                                     std::map<std::string, std::string> annotations) {
  auto object = store::build_authoritative_keyring_secret(options_.operator_namespace, ns, root_uid_, *root_, next);
  auto& metadata = object["metadata"].as_object();
  auto& target = metadata["annotations"].as_object();
  if (const auto* old = object_at(entry.authoritative, "metadata"))
    if (const auto* old_annotations = object_at(*old, "annotations"))
      for (const auto& [key, value] : *old_annotations) target.emplace(key, value);
  for (auto& [key, value] : annotations) {
    if (value.empty()) target.erase(key);
    else target[key] = value;
  }
  metadata["resourceVersion"] = meta_string(entry.authoritative, "resourceVersion");
  auto updated = api_.update(kube::gvr::secrets(), options_.operator_namespace, object);
  if (!updated) {
    entries_.erase(ns);   // reload from the server next time
    return failure<void>("data key ring of namespace \"" + ns + "\": " + describe(updated.error()));
  }
  entry.authoritative = std::move(*updated);
  entry.ring = std::make_shared<const crypto::Keyring>(next);
  return sync_projection(ns, next);
}

KeyManager::MaintenanceReport KeyManager::maintain(
    const std::function<std::optional<std::set<std::uint32_t>>(const std::string&)>& versions_in_use) {
  MaintenanceReport report;
  // The rotation request on the root key.
  auto root_object = api_.get(kube::gvr::secrets(), options_.operator_namespace, store::kRootKeyName);
  std::string requested, handled;
  if (root_object) {
    requested = annotation(*root_object, store::kRotateAnnotation);
    handled = annotation(*root_object, store::kRotatedAnnotation);
    store::wipe_data(*root_object);
  }
  const auto now = clock_();
  bool all_done = true;

  std::lock_guard lock(mutex_);
  if (!root_) return report;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const std::string ns = it->first;
    Entry& entry = it->second;
    ++it;   // write() may erase the entry on a conflict
    const auto& ring = *entry.ring;
    const auto rotated_for = annotation(entry.authoritative, store::kRotatedAnnotation);
    const auto rotated_at = parse_time(annotation(entry.authoritative, kRotatedAtAnnotation));
    const bool requested_here = !requested.empty() && requested != handled && rotated_for != requested;
    const bool scheduled = options_.rotation_interval.count() > 0 &&
                           (!rotated_at || now - *rotated_at >= options_.rotation_interval);
    const bool pending = max_version(ring) > ring.primary();

    if ((requested_here || scheduled) && !pending) {
      crypto::Keyring next = ring;
      const auto version = next.add();
      if (auto r = write(ns, entry, next, {{std::string(kPendingSinceAnnotation), format_time(now)}}); !r) {
        log::warn("key rotation step failed", {{"namespace", json::value(ns)}, {"step", "add"}, {"error", json::value(r.error())}});
        all_done = false;
        continue;
      }
      log::info("key version added", {{"namespace", json::value(ns)}, {"version", json::value(version)}});
      report.rotation_in_progress = true;
      all_done = false;
      continue;
    }
    if (pending) {
      const auto since = parse_time(annotation(entry.authoritative, kPendingSinceAnnotation));
      if (since && now - *since < options_.propagation_delay) {
        report.rotation_in_progress = true;
        all_done = false;
        continue;
      }
      crypto::Keyring next = ring;
      const auto version = max_version(next);
      next.set_primary(version);
      std::map<std::string, std::string> notes{{std::string(kPendingSinceAnnotation), ""},
                                               {std::string(kRotatedAtAnnotation), format_time(now)}};
      if (!requested.empty()) notes[std::string(store::kRotatedAnnotation)] = requested;
      if (auto r = write(ns, entry, next, notes); !r) {
        log::warn("key rotation step failed", {{"namespace", json::value(ns)}, {"step", "promote"}, {"error", json::value(r.error())}});
        all_done = false;
        continue;
      }
      log::info("key version promoted", {{"namespace", json::value(ns)}, {"version", json::value(version)}});
      report.promoted.push_back(ns);
      report.rotation_in_progress = true;
      all_done = false;
      continue;
    }
    // Retire versions older than the primary that no store uses any more.
    if (ring.versions().size() > 1) {
      all_done = false;
      report.rotation_in_progress = true;
      if (rotated_at && now - *rotated_at < options_.retire_grace) continue;
      const auto in_use = versions_in_use(ns);
      if (!in_use) continue;
      crypto::Keyring next = ring;
      std::vector<std::uint32_t> retired;
      for (auto version : ring.versions())
        if (version != ring.primary() && !in_use->contains(version) && next.retire(version)) retired.push_back(version);
      if (retired.empty()) continue;
      if (auto r = write(ns, entry, next, {}); !r) {
        log::warn("key rotation step failed", {{"namespace", json::value(ns)}, {"step", "retire"}, {"error", json::value(r.error())}});
        continue;
      }
      for (auto version : retired) {
        log::info("key version retired", {{"namespace", json::value(ns)}, {"version", json::value(version)}});
        report.retired.push_back(ns + "/" + std::to_string(version));
      }
      if (next.versions().size() == 1) report.rotation_in_progress = false;
    }
  }
  if (!requested.empty() && requested != handled && all_done && root_object) {
    auto patch = json::object{{"metadata", json::object{{"annotations", json::object{{store::kRotatedAnnotation, requested}}}}}};
    if (api_.patch(kube::gvr::secrets(), options_.operator_namespace, store::kRootKeyName, kube::PatchType::merge,
                   json::serialize(patch)))
      log::info("key rotation complete", {{"request", json::value(requested)}});
  }
  return report;
}

std::map<std::string, std::size_t> KeyManager::version_counts() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::size_t> out;
  for (const auto& [ns, entry] : entries_) out[ns] = entry.ring->versions().size();
  return out;
}

void KeyManager::forget(const std::string& ns) {
  std::lock_guard lock(mutex_);
  entries_.erase(ns);
}

std::vector<std::string> KeyManager::namespaces() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [ns, entry] : entries_) out.push_back(ns);
  return out;
}

}  // namespace dragops::op
