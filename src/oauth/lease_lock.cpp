#include "oauth/lease_lock.hpp"

#include "oauth/digest.hpp"
#include "oauth/time_format.hpp"

#include <cstdio>

namespace dragops::oauth {

namespace {

constexpr std::size_t kMaxNameLength = 253;

const boost::json::object* object_at(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value ? value->if_object() : nullptr;
}

std::string string_at(const boost::json::object* object, std::string_view key) {
  if (object == nullptr) return {};
  const auto* value = object->if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::int64_t int_at(const boost::json::object* object, std::string_view key) {
  if (object == nullptr) return 0;
  const auto* value = object->if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  return 0;
}

kube::Result<bool> held(bool value) { return kube::Result<bool>(boost::system::in_place_value, value); }

}  // namespace

bool lease_still_held(std::optional<std::chrono::system_clock::time_point> renew_time, std::int64_t duration_seconds,
                      std::chrono::system_clock::time_point now,
                      const LeaseOptions& options) {
  if (!renew_time || duration_seconds <= 0) return false;
  if (*renew_time > now + options.max_clock_skew) return false;   // not a time any honest holder wrote
  const auto duration = std::min<std::int64_t>(duration_seconds, options.max_trusted_duration.count());
  return now < *renew_time + std::chrono::seconds(duration);
}

std::string refresh_lease_name(std::string_view connection) {
  std::string name = "dragops-refresh-";
  name += connection;
  if (name.size() <= kMaxNameLength) return name;
  const auto digest = sha256({reinterpret_cast<const std::uint8_t*>(name.data()), name.size()});
  char suffix[18];
  std::snprintf(suffix, sizeof suffix, "-%02x%02x%02x%02x%02x%02x%02x%02x", digest[0], digest[1], digest[2],
                digest[3], digest[4], digest[5], digest[6], digest[7]);
  name.resize(kMaxNameLength - 17);
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  return name + suffix;
}

LeaseLock::LeaseLock(kube::Api& api, const Clock& clock, std::string ns, std::string name, LeaseOptions options)
    : api_(api), clock_(clock), namespace_(std::move(ns)), name_(std::move(name)), options_(std::move(options)) {}

boost::json::object LeaseLock::lease_spec(std::int64_t transitions) const {
  const std::string now = format_micro_time(clock_.now());
  boost::json::object spec;
  spec["holderIdentity"] = options_.holder_identity;
  spec["leaseDurationSeconds"] = options_.lease_duration.count();
  spec["acquireTime"] = now;
  spec["renewTime"] = now;
  spec["leaseTransitions"] = transitions;
  return spec;
}

kube::Result<bool> LeaseLock::try_acquire() {
  auto current = api_.get(kube::gvr::leases(), namespace_, name_);
  if (!current) {
    if (!current.error().not_found()) return current.error();
    boost::json::object lease;
    lease["apiVersion"] = "coordination.k8s.io/v1";
    lease["kind"] = "Lease";
    lease["metadata"] = boost::json::object{
        {"name", name_},
        {"namespace", namespace_},
        {"labels", boost::json::object{{"app.kubernetes.io/managed-by", "dragops"}}}};
    lease["spec"] = lease_spec(0);
    auto created = api_.create(kube::gvr::leases(), namespace_, lease);
    if (created) return held(true);
    if (created.error().already_exists() || created.error().conflict()) return held(false);
    return created.error();
  }

  const auto* spec = object_at(*current, "spec");
  const std::string holder = string_at(spec, "holderIdentity");
  const auto renew = parse_rfc3339(string_at(spec, "renewTime"));
  const std::int64_t duration = int_at(spec, "leaseDurationSeconds");
  const bool expired = !lease_still_held(renew, duration, clock_.now(), options_);
  if (!holder.empty() && holder != options_.holder_identity && !expired) return held(false);

  const std::int64_t transitions = int_at(spec, "leaseTransitions") + (holder == options_.holder_identity ? 0 : 1);
  boost::json::object updated = *current;  // keeps metadata.resourceVersion: the precondition
  updated["spec"] = lease_spec(transitions);
  auto written = api_.update(kube::gvr::leases(), namespace_, updated);
  if (written) return held(true);
  if (written.error().conflict() || written.error().not_found()) return held(false);
  return written.error();
}

kube::Result<void> LeaseLock::release() {
  auto current = api_.get(kube::gvr::leases(), namespace_, name_);
  if (!current) return current.error().not_found() ? kube::Result<void>() : kube::Result<void>(current.error());
  const auto* spec = object_at(*current, "spec");
  if (string_at(spec, "holderIdentity") != options_.holder_identity) return {};
  boost::json::object updated = *current;
  auto& new_spec = updated["spec"].as_object();
  new_spec["holderIdentity"] = "";
  new_spec["leaseDurationSeconds"] = 1;
  new_spec["renewTime"] = format_micro_time(clock_.now());
  auto written = api_.update(kube::gvr::leases(), namespace_, updated);
  if (!written && !written.error().conflict() && !written.error().not_found()) return written.error();
  return {};
}

}  // namespace dragops::oauth
