#include "operator/apply.hpp"

#include "operator/reasons.hpp"
#include "operator/status.hpp"
#include "store/json_access.hpp"
#include "store/keyring_objects.hpp"
#include "store/manifest.hpp"
#include "store/store_object.hpp"

#include <boost/json/serialize.hpp>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

kube::Result<void> ok() { return {}; }

kube::Result<void> fail(kube::Status status) { return {boost::system::in_place_error, std::move(status)}; }

}  // namespace

void Applier::remember(const std::string& key, const json::object& written) {
  if (own_writes_) own_writes_->record(key, meta_string(written, "resourceVersion"));
}

namespace {
std::string resource_key(const kube::Gvr& gvr, const json::object& resource) {
  const std::string kind = gvr.resource == "connections" ? "Connection/" : gvr.resource == "secrets" ? "Secret/" : "IntegrationPack/";
  const auto ns = meta_string(resource, "namespace");
  return kind + (ns.empty() ? "" : std::string(ns) + "/") + std::string(meta_string(resource, "name"));
}
}  // namespace

kube::Result<void> Applier::set_finalizer(const kube::Gvr& gvr, json::object& resource, bool present) {
  json::array finalizers;
  if (const auto* metadata = object_at(resource, "metadata"))
    if (auto it = metadata->find("finalizers"); it != metadata->end() && it->value().is_array())
      for (const auto& f : it->value().get_array())
        if (!(f.is_string() && f.get_string() == kFinalizer)) finalizers.push_back(f);
  if (present) finalizers.push_back(json::string(kFinalizer));
  json::object patch{{"metadata", json::object{{"finalizers", std::move(finalizers)},
                                               {"resourceVersion", meta_string(resource, "resourceVersion")}}}};
  auto patched = api_.patch(gvr, meta_string(resource, "namespace"), meta_string(resource, "name"), kube::PatchType::merge,
                            json::serialize(patch));
  if (!patched) return fail(patched.error());
  remember(resource_key(gvr, resource), *patched);
  resource = std::move(*patched);
  return ok();
}

kube::Result<void> Applier::write_store(const Decision& decision, const json::object* existing_store,
                                        const crypto::Keyring& ring) {
  store::Store desired = decision.desired_store;
  desired.token_field = decision.token_field;
  desired.serial = store::next_serial(decision.previous_serial);
  auto fresh = store::seal_items(ring, desired.owner, decision.to_seal);
  for (auto& [item, envelope] : fresh) desired.envelopes.insert_or_assign(item, std::move(envelope));
  auto object = store::build_store_object(desired, ring);
  const auto& ns = desired.owner.namespace_;
  if (existing_store) {
    object["metadata"].as_object()["resourceVersion"] = meta_string(*existing_store, "resourceVersion");
    auto updated = api_.update(kube::gvr::secrets(), ns, object);
    if (!updated) return fail(updated.error());
    remember("Store/" + ns + "/" + std::string(meta_string(*updated, "name")), *updated);
    return ok();
  }
  auto created = api_.create(kube::gvr::secrets(), ns, object);
  if (!created) return fail(created.error());   // AlreadyExists: the cache lags; retried from fresh state
  remember("Store/" + ns + "/" + std::string(meta_string(*created, "name")), *created);
  return ok();
}

kube::Result<ApplyCounts> Applier::apply(const kube::Gvr& gvr, const json::object& observed, const Decision& decision,
                                         const json::object* existing_store, const crypto::Keyring* ring) {
  ApplyCounts counts;
  json::object resource = observed;
  auto failed = [](const kube::Result<void>& r) -> kube::Result<ApplyCounts> {
    return {boost::system::in_place_error, r.error()};
  };

  if (decision.add_finalizer) {
    if (auto r = set_finalizer(gvr, resource, true); !r) return failed(r);
    ++counts.metadata_writes;
  }
  switch (decision.store_action) {
    case StoreAction::keep: break;
    case StoreAction::write: {
      if (!ring) return {boost::system::in_place_error, kube::Status{500, "InternalError", "no key ring for a store write"}};
      if (auto r = write_store(decision, existing_store, *ring); !r) return failed(r);
      ++counts.store_writes;
      break;
    }
    case StoreAction::remove: {
      const auto name = store::store_name(store_kind_of(gvr), meta_string(resource, "name"));
      auto removed = api_.remove(kube::gvr::secrets(), meta_string(resource, "namespace"), name);
      if (!removed && !removed.error().not_found()) return {boost::system::in_place_error, removed.error()};
      ++counts.store_deletes;
      break;
    }
  }
  if (decision.status) {
    auto status = to_json(*decision.status);
    for (const auto* key : {"keyVersion", "expiresAt", "authorizationURL"})   // merge patch: null removes
      if (!status.contains(key)) status[key] = nullptr;
    // Computed from what this pass observed: with that resourceVersion as a precondition, a
    // status written meanwhile by someone else (the OAuth callback) is not overwritten; the
    // conflict requeues the pass, which then sees it.
    json::object patch{{"metadata", json::object{{"resourceVersion", meta_string(resource, "resourceVersion")}}},
                       {"status", std::move(status)}};
    auto patched = api_.patch(gvr, meta_string(resource, "namespace"), meta_string(resource, "name"),
                              kube::PatchType::merge, json::serialize(patch), "status");
    if (!patched) return {boost::system::in_place_error, patched.error()};
    remember(resource_key(gvr, resource), *patched);
    ++counts.status_writes;
  }
  for (const auto& event : decision.events) events_.emit(resource, event);
  if (decision.remove_finalizer) {
    if (auto r = set_finalizer(gvr, resource, false); !r && !r.error().not_found()) return failed(r);
    ++counts.metadata_writes;
  }
  return counts;
}

}  // namespace dragops::op
