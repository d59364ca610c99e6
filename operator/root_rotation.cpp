// The root key's rotation (operator/keys.hpp): add a primary version, re-wrap every object
// sealed under an older one, retire the older ones. Each step is written before the next, so a
// restarted operator resumes from what the Secrets say.

#include "operator/keys.hpp"

#include "common/log.hpp"
#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"
#include "operator/api_failure.hpp"
#include "operator/sealing/objects.hpp"
#include "store/json_access.hpp"
#include "store/keyring_objects.hpp"
#include "store/names.hpp"
#include "store/root_key.hpp"

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

constexpr std::string_view kKeyringPrefix = "dragops-keyring-";

// An object in the operator's namespace whose data item is an envelope under the root ring.
struct RootSealed {
  std::string data_key;
  crypto::Context context;
  std::string app_namespace;   // for a data-key ring
};

std::optional<RootSealed> root_sealed(const json::object& secret, std::string_view operator_namespace,
                                      std::string_view root_uid) {
  const auto type = string_at(secret, "type");
  const auto name = meta_string(secret, "name");
  if (type == store::kKeyringType && name.starts_with(kKeyringPrefix)) {
    const std::string app_namespace(annotation(secret, "dragops.io/namespace"));
    if (app_namespace.empty() || name != store::authoritative_keyring_name(app_namespace)) return std::nullopt;
    return RootSealed{std::string(store::kKeyringDataKey),
                      store::keyring_context(operator_namespace, app_namespace, root_uid), app_namespace};
  }
  if (type == store::kSealingKeysType && name == store::kSealingKeysName)
    return RootSealed{std::string(store::kSealingKeysDataKey), sealing::sealing_keys_context(operator_namespace, root_uid), ""};
  return std::nullopt;
}

}  // namespace

std::size_t KeyManager::root_versions() const {
  std::lock_guard lock(mutex_);
  return root_ ? root_->versions().size() : 0;
}

boost::system::result<json::object, std::string> KeyManager::write_root(
    const json::object& current, const crypto::Keyring& next, const std::map<std::string, std::string>& changes) {
  auto built = store::build_root_key(options_.operator_namespace, next, wrapper_.get());
  if (!built) return failure<json::object>(built.error());
  auto& metadata = (*built)["metadata"].as_object();
  auto& annotations = metadata["annotations"].is_object() ? metadata["annotations"].as_object()
                                                          : metadata["annotations"].emplace_object();
  static const std::set<std::string_view> wrapping{store::kRootKeyWrappingAnnotation, store::kPkcs11TokenAnnotation,
                                                   store::kPkcs11KeyAnnotation, store::kPkcs11MechanismAnnotation};
  if (const auto* old = object_at(current, "metadata"))
    if (const auto* old_annotations = object_at(*old, "annotations"))
      for (const auto& [key, value] : *old_annotations)
        if (!wrapping.contains(key)) annotations.emplace(key, value);
  for (const auto& [key, value] : changes) {
    if (value.empty()) annotations.erase(key);
    else annotations[key] = value;
  }
  metadata["resourceVersion"] = meta_string(current, "resourceVersion");
  auto updated = api_.update(kube::gvr::secrets(), options_.operator_namespace, *built);
  store::wipe_data(*built);
  if (!updated) return failure<json::object>("root key Secret: " + describe(updated.error()));
  root_resource_version_ = meta_string(*updated, "resourceVersion");
  return std::move(*updated);
}

KeyManager::RootMaintenanceReport KeyManager::maintain_root() {
  RootMaintenanceReport report;
  const auto& ns = options_.operator_namespace;
  auto object = api_.get(kube::gvr::secrets(), ns, store::kRootKeyName);
  if (!object) return report;
  std::lock_guard lock(mutex_);
  if (!root_) {
    store::wipe_data(*object);
    return report;
  }
  if (meta_string(*object, "resourceVersion") != root_resource_version_ &&
      meta_string(*object, "uid") == root_uid_) {
    // Written elsewhere (an earlier leader, or an annotation): hold what it says now.
    if (auto reloaded = store::load_root_key(*object, wrapper_.get())) {
      root_ = std::make_shared<const crypto::Keyring>(std::move(*reloaded));
      root_resource_version_ = meta_string(*object, "resourceVersion");
    } else {
      log::error("root key Secret changed and does not open; keeping the key held", {{"error", json::value(reloaded.error())}});
      store::wipe_data(*object);
      return report;
    }
  }
  const std::string requested(annotation(*object, store::kRotateRootKeyAnnotation));
  const std::string handled(annotation(*object, store::kRootKeyRotatedAnnotation));
  const std::string rotating(annotation(*object, store::kRootKeyRotatingAnnotation));

  if (root_->versions().size() == 1) {
    if (requested.empty() || requested == handled) {
      store::wipe_data(*object);
      return report;
    }
    crypto::Keyring next = *root_;
    const auto version = next.add();
    next.set_primary(version);
    auto written = write_root(*object, next, {{std::string(store::kRootKeyRotatingAnnotation), requested}});
    store::wipe_data(*object);
    if (!written) {
      log::warn("root key rotation step failed", {{"step", "add"}, {"error", json::value(written.error())}});
      return report;
    }
    store::wipe_data(*written);
    root_ = std::make_shared<const crypto::Keyring>(std::move(next));
    log::info("root key version added", {{"version", version}, {"request", json::value(requested)}});
    report.added = version;
    report.in_progress = true;
    return report;
  }

  report.in_progress = true;
  const auto primary = root_->primary();
  kube::ListOptions managed;
  managed.label_selector = std::string(store::kManagedByLabel) + "=" + std::string(store::kManagedByValue);
  auto listed = api_.list(kube::gvr::secrets(), ns, managed);
  if (!listed) {
    store::wipe_data(*object);
    log::warn("root key rotation step failed", {{"step", "list"}, {"error", json::value(describe(listed.error()))}});
    return report;
  }
  bool all_current = true;
  if (auto* items = listed->if_contains("items"); items && items->is_array()) {
    for (auto& item : items->as_array()) {
      if (!item.is_object()) continue;
      auto& secret = item.as_object();
      const auto sealed = root_sealed(secret, ns, root_uid_);
      if (!sealed) continue;
      const auto* data = object_at(secret, "data");
      const auto envelope = crypto::base64_decode(data ? string_at(*data, sealed->data_key) : std::string_view{});
      const auto version = envelope ? crypto::key_version_of(*envelope) : boost::system::result<std::uint32_t, crypto::OpenError>(
                                                                              boost::system::in_place_error, crypto::OpenError::malformed);
      if (version && *version == primary) continue;
      const std::string name(meta_string(secret, "name"));
      auto opened = envelope && version ? crypto::open(*root_, sealed->context, *envelope)
                                        : boost::system::result<crypto::SecretBytes, crypto::OpenError>(
                                              boost::system::in_place_error, crypto::OpenError::malformed);
      if (!opened) {
        // Kept under its key, which is kept too: retiring it would lose what this holds.
        log::error("root key rotation: an object does not open under the root key; the old version is kept",
                   {{"name", json::value(name)}, {"error", json::value(crypto::to_string(opened.error()))}});
        all_current = false;
        continue;
      }
      const auto resealed = crypto::seal(*root_, sealed->context, opened->span());
      secret["data"].as_object()[sealed->data_key] = crypto::base64_encode(resealed);
      auto updated = api_.update(kube::gvr::secrets(), ns, secret);
      if (!updated) {
        log::warn("root key rotation step failed", {{"step", "rewrap"}, {"name", json::value(name)},
                                                    {"error", json::value(describe(updated.error()))}});
        all_current = false;
        continue;
      }
      if (!sealed->app_namespace.empty())
        if (auto it = entries_.find(sealed->app_namespace); it != entries_.end()) it->second.authoritative = *updated;
      log::info("re-wrapped under the new root key version", {{"name", json::value(name)}, {"version", primary}});
      ++report.rewrapped;
    }
    for (auto& item : items->as_array())
      if (item.is_object()) store::wipe_data(item.as_object());
  }
  if (!all_current) {
    store::wipe_data(*object);
    return report;
  }
  crypto::Keyring next = *root_;
  std::vector<std::uint32_t> retired;
  for (auto version : root_->versions())
    if (version != primary && next.retire(version)) retired.push_back(version);
  std::map<std::string, std::string> changes{{std::string(store::kRootKeyRotatingAnnotation), ""}};
  if (!rotating.empty()) changes[std::string(store::kRootKeyRotatedAnnotation)] = rotating;
  auto written = write_root(*object, next, changes);
  store::wipe_data(*object);
  if (!written) {
    log::warn("root key rotation step failed", {{"step", "retire"}, {"error", json::value(written.error())}});
    return report;
  }
  store::wipe_data(*written);
  root_ = std::make_shared<const crypto::Keyring>(std::move(next));
  for (auto version : retired) log::info("root key version retired", {{"version", version}});
  if (!rotating.empty()) log::info("root key rotation complete", {{"request", json::value(rotating)}});
  report.retired = std::move(retired);
  report.in_progress = false;
  return report;
}

}  // namespace dragops::op
