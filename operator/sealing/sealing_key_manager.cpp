#include "operator/sealing/sealing_key_manager.hpp"

#include "operator/api_failure.hpp"
#include "common/log.hpp"
#include "store/json_access.hpp"
#include "store/names.hpp"
#include "store/sealed_input.hpp"

#include <algorithm>

namespace dragops::op::sealing {
namespace json = boost::json;
using namespace store::json_access;

namespace {

using Error = std::string;

using op::describe;
using op::failure;

const json::object* data_of(const json::object& object) { return object_at(object, "data"); }

}  // namespace

SealingKeyManager::SealingKeyManager(kube::Api& api, const KeyManager& root, Options options, WallClock clock)
    : api_(api), root_(root), options_(std::move(options)), clock_(std::move(clock)) {}

std::shared_ptr<const SealingKeySet> SealingKeyManager::sealing_keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

std::size_t SealingKeyManager::key_count() const {
  std::lock_guard lock(mutex_);
  return keys_ ? keys_->size() : 0;
}

void SealingKeyManager::hold(std::shared_ptr<const SealingKeySet> keys, std::string resource_version) {
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
  resource_version_ = std::move(resource_version);
}

boost::system::result<void, Error> SealingKeyManager::ensure() {
  const auto root = root_.root_key();
  if (!root) return failure<void>("the root key is not loaded");
  const auto& ns = options_.operator_namespace;
  auto existing = api_.get(kube::gvr::secrets(), ns, store::kSealingKeysName);
  if (!existing && existing.error().not_found()) {
    auto keys = SealingKeySet::generate(clock_());
    if (!keys) return failure<void>(keys.error());
    auto created = api_.create(kube::gvr::secrets(), ns, build_sealing_keys_secret(ns, root->uid, *root->ring, *keys));
    if (created) {
      log::info("sealing key created", {{"namespace", json::value(ns)},
                                        {"version", keys->newest().version},
                                        {"keyId", json::value(store::key_id_hex(keys->newest().id))}});
      existing = std::move(created);
    } else if (created.error().already_exists()) {
      existing = api_.get(kube::gvr::secrets(), ns, store::kSealingKeysName);
    } else {
      return failure<void>("sealing keys Secret: " + describe(created.error()));
    }
  }
  if (!existing) return failure<void>("sealing keys Secret: " + describe(existing.error()));
  auto keys = open_sealing_keys_secret(*existing, root->uid, *root->ring);
  if (!keys) return failure<void>("sealing keys Secret cannot be opened: " + keys.error());
  auto held = std::make_shared<const SealingKeySet>(std::move(*keys));
  hold(held, std::string(meta_string(*existing, "resourceVersion")));
  return publish(*held);
}

boost::system::result<void, Error> SealingKeyManager::publish(const SealingKeySet& keys) {
  const auto& ns = options_.operator_namespace;
  auto desired = build_public_key_config_map(ns, published_key(keys));
  auto current = api_.get(kube::gvr::config_maps(), ns, store::kSealingKeyConfigMapName);
  kube::Result<json::object> written = current;
  if (!current && current.error().not_found()) {
    written = api_.create(kube::gvr::config_maps(), ns, desired);
    if (written) log::info("sealing key published", {{"namespace", json::value(ns)}, {"configMap", json::value(store::kSealingKeyConfigMapName)}});
  } else if (current) {
    const auto* data = data_of(*current);
    if (!data || *data != desired.at("data").as_object()) {
      desired["metadata"].as_object()["resourceVersion"] = meta_string(*current, "resourceVersion");
      written = api_.update(kube::gvr::config_maps(), ns, desired);
      if (written) log::info("sealing key published", {{"namespace", json::value(ns)}, {"configMap", json::value(store::kSealingKeyConfigMapName)}});
    }
  }
  if (!written) return failure<void>("sealing key ConfigMap: " + describe(written.error()));
  std::lock_guard lock(mutex_);
  published_at_ = clock_();
  return {};
}

boost::system::result<void, Error> SealingKeyManager::write(const SealingKeySet& next, std::string_view handled_request) {
  const auto root = root_.root_key();
  if (!root) return failure<void>("the root key is not loaded");
  const auto& ns = options_.operator_namespace;
  auto current = api_.get(kube::gvr::secrets(), ns, store::kSealingKeysName);
  auto object = build_sealing_keys_secret(ns, root->uid, *root->ring, next);
  auto& metadata = object["metadata"].as_object();
  json::object annotations;
  if (current)
    if (const auto* old = object_at(*current, "metadata"))
      if (const auto* old_annotations = object_at(*old, "annotations")) annotations = *old_annotations;
  if (!handled_request.empty()) annotations[store::kRotatedAnnotation] = handled_request;
  if (!annotations.empty()) metadata["annotations"] = std::move(annotations);
  kube::Result<json::object> written = current;
  if (current) {
    std::string held_version;
    {
      std::lock_guard lock(mutex_);
      held_version = resource_version_;
    }
    metadata["resourceVersion"] = held_version;   // a change we have not read yet is a conflict
    written = api_.update(kube::gvr::secrets(), ns, object);
  } else if (current.error().not_found()) {
    written = api_.create(kube::gvr::secrets(), ns, object);
  }
  if (!written) return failure<void>("sealing keys Secret: " + describe(written.error()));
  hold(std::make_shared<const SealingKeySet>(next), std::string(meta_string(*written, "resourceVersion")));
  return {};
}

SealingKeyManager::MaintenanceReport SealingKeyManager::maintain(const std::function<std::optional<KeyIds>()>& in_use) {
  MaintenanceReport report;
  const auto root = root_.root_key();
  auto held = sealing_keys();
  if (!root || !held) return report;
  const auto& ns = options_.operator_namespace;
  const auto now = clock_();

  auto object = api_.get(kube::gvr::secrets(), ns, store::kSealingKeysName);
  if (!object && object.error().not_found()) {
    // Deleted by hand: the keys in memory are the only copy; write them back.
    if (auto rewritten = write(*held, ""); !rewritten)
      log::error("sealing keys Secret deleted and not re-created", {{"error", json::value(rewritten.error())}});
    else
      log::warn("sealing keys Secret was deleted; re-created from memory", {{"namespace", json::value(ns)}});
    return report;
  }
  if (!object) {
    log::warn("sealing keys Secret unreadable", {{"error", json::value(describe(object.error()))}});
    return report;
  }
  std::string held_version;
  {
    std::lock_guard lock(mutex_);
    held_version = resource_version_;
  }
  if (meta_string(*object, "resourceVersion") != held_version) {   // changed elsewhere (another leader)
    auto reloaded = open_sealing_keys_secret(*object, root->uid, *root->ring);
    if (!reloaded) {
      log::error("sealing keys Secret cannot be opened; keeping the keys held", {{"error", json::value(reloaded.error())}});
      return report;
    }
    held = std::make_shared<const SealingKeySet>(std::move(*reloaded));
    hold(held, std::string(meta_string(*object, "resourceVersion")));
  }

  const auto requested = annotation(*object, store::kRotateAnnotation);
  const auto handled = annotation(*object, store::kRotatedAnnotation);
  const auto infos = held->infos();
  std::optional<KeyIds> usage;
  const auto usage_period = std::min(options_.usage_check_period, options_.retire_after);
  if (!rotation_requested(requested, handled) && !retirement_candidates(infos, now, options_.retire_after).empty() &&
      (!usage_checked_at_ || now - *usage_checked_at_ >= usage_period)) {
    usage = in_use();
    usage_checked_at_ = now;
  }
  const auto plan = plan_maintenance(infos, requested, handled, now, options_.retire_after, usage);

  bool changed = false;
  if (plan.rotate) {
    SealingKeySet next = *held;
    auto version = next.add(now);
    if (!version) {
      log::error("sealing key rotation failed", {{"error", json::value(version.error())}});
      return report;
    }
    if (auto r = write(next, requested); !r) {
      log::warn("sealing key rotation step failed", {{"step", "add"}, {"error", json::value(r.error())}});
      return report;
    }
    log::info("sealing key rotated", {{"version", *version},
                                      {"keyId", json::value(store::key_id_hex(next.newest().id))},
                                      {"request", json::value(requested)}});
    report.rotated = *version;
    changed = true;
  } else if (!plan.retire.empty()) {
    SealingKeySet next = *held;
    for (auto version : plan.retire) next.retire(version);
    if (auto r = write(next, ""); !r) {
      log::warn("sealing key rotation step failed", {{"step", "retire"}, {"error", json::value(r.error())}});
      return report;
    }
    for (const auto& info : infos)
      if (std::find(plan.retire.begin(), plan.retire.end(), info.version) != plan.retire.end()) {
        log::info("sealing key retired", {{"version", info.version}, {"keyId", json::value(store::key_id_hex(info.id))}});
        report.retired.push_back(info.version);
      }
    changed = true;
  }
  std::chrono::system_clock::time_point published_at;
  {
    std::lock_guard lock(mutex_);
    published_at = published_at_;
  }
  if (changed || now - published_at >= options_.republish_period)
    if (auto current = sealing_keys())
      if (auto r = publish(*current); !r) log::warn("sealing key not published", {{"error", json::value(r.error())}});
  return report;
}

std::optional<PublishedKey> SealingKeyManager::published() const {
  if (auto keys = sealing_keys()) return published_key(*keys);
  auto config_map = api_.get(kube::gvr::config_maps(), options_.operator_namespace, store::kSealingKeyConfigMapName);
  if (!config_map) return std::nullopt;
  return parse_public_key_config_map(*config_map);
}

}  // namespace dragops::op::sealing
