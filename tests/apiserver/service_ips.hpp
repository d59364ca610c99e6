#pragma once
// Service ClusterIPs and the address rules around them, as kube-apiserver has them:
//
// - ServiceIPs: the --service-cluster-ip-range (IPv4) and the ClusterIPs handed out from it. On
//   create a Service (every type but ExternalName) gets `spec.clusterIP`/`clusterIPs` (a random
//   free address, or the one asked for if it is free and in the range; "None" is kept) and the
//   single-stack `ipFamilies`/`ipFamilyPolicy` defaults; on update the ClusterIP is immutable and
//   fields a client left out are filled in from the stored object; deleting frees the address.
//   Messages are kube's (pkg/registry/core/service/storage/alloc.go and ValidateService).
// - resolve_service_webhook: where kube-apiserver's default service resolver (k8s.io/apiserver
//   pkg/util/proxy ResolveCluster) sends a webhook call: the Service's ClusterIP and port.
// - endpoint_ip_causes: kube's checks of an Endpoints address (IsValidIPForLegacyField and
//   ValidateEndpointIP): no loopback, link-local or unspecified addresses.
//
// The default range is 127.R.0.0/16 (R random in 2..254), a loopback range: without kube-proxy,
// a ClusterIP is only reachable on this machine if it is a local address, and every 127/8
// address is. A test's webhook server listens on <ClusterIP>:<port> itself.

#include "apiserver/api_error.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::apiserver {

// An IPv4 CIDR, kept masked ("127.5.0.0/16").
struct Ipv4Range {
  std::uint32_t network = 0;
  int prefix = 32;

  std::uint32_t broadcast() const { return network | (prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix)); }
  std::string text() const;
};

// "A.B.C.D/N" with 12 <= N <= 30 (kube refuses service ranges wider than /12; a /31 or /32 has
// no address to give). The address is masked to its network. nullopt: not such a CIDR.
std::optional<Ipv4Range> parse_service_range(std::string_view text);
// 127.R.0.0/16 with R random in 2..254.
Ipv4Range random_loopback_range();

// An IP address as Go's netutils.ParseIPSloppy reads it (IPv4 octets may have leading zeros).
struct IpAddress {
  bool v4 = false;                       // a plain dotted IPv4 address
  std::array<std::uint8_t, 16> bytes{};  // v4: the first four bytes; v6: all sixteen
  bool mapped_v4() const;                // ::ffff:a.b.c.d
  std::optional<std::uint32_t> ipv4() const;  // the IPv4 address, also of a mapped one
};
std::optional<IpAddress> parse_ip_sloppy(std::string_view text);
std::string ipv4_text(std::uint32_t address);

// kube's field errors for an Endpoints (or EndpointSlice) address at `field` ("subsets[0].addresses[1].ip").
std::vector<Cause> endpoint_ip_causes(const std::string& field, const std::string& ip);

// What an update did to the ClusterIPs: the address newly reserved (to free again if the write
// fails) and the one to free once the write is stored.
struct ServiceIpChange {
  std::string reserved;
  std::string to_release;
};

class ServiceIPs {
 public:
  explicit ServiceIPs(Ipv4Range range = random_loopback_range());

  const Ipv4Range& range() const { return range_; }
  // A new range; the allocations are forgotten (track the stored Services again).
  void set_range(Ipv4Range range);
  void clear() { used_.clear(); }
  // Marks a stored Service's ClusterIP as in use (start-up, restore); false if it has an IP
  // outside the range.
  bool track(const boost::json::object& service);
  bool allocated(const std::string& ip) const;
  std::size_t allocated_count() const { return used_.size(); }

  // On create, after mutating admission: defaults and allocation. Returns the address reserved
  // ("" for none: ExternalName, "None", a dry run), 422 Invalid as kube for bad requests.
  Result<std::string> on_create(boost::json::object& service, bool dry_run);
  // On update (not /status): the stored object's allocations kept, the ClusterIP immutable.
  Result<ServiceIpChange> on_update(boost::json::object& service, const boost::json::object& old, bool dry_run);
  // When a Service is removed.
  void release(const boost::json::object& service);
  void release_ip(const std::string& ip);

 private:
  Result<std::string> allocate(boost::json::object& service, const boost::json::object* old, bool dry_run);
  std::optional<std::uint32_t> next_free();

  Ipv4Range range_;
  std::set<std::uint32_t> used_;
  std::mt19937 random_;
};

// Where kube-apiserver calls a webhook whose clientConfig.service is (name, port) and whose
// Service is `service` (nullptr: not found): https://<clusterIP>:<port>. `error` is kube's text.
struct ServiceTarget {
  std::string host;
  unsigned short port = 0;
  std::string error;
};
ServiceTarget resolve_service_webhook(const boost::json::object* service, const std::string& name, int port);

}  // namespace dragops::apiserver
