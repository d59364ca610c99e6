#include "apiserver/service_ips.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <arpa/inet.h>

#include <algorithm>

namespace dragops::apiserver {

namespace {

constexpr std::string_view kInvalidIp = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

std::string quoted(const std::string& s) { return value_repr(json::value(s)); }

// Digits only, value at most 255 (any number of leading zeros, as Go's old parser).
std::optional<std::uint32_t> octet(std::string_view part) {
  if (part.empty()) return std::nullopt;
  std::uint32_t n = 0;
  for (char c : part) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
    if (n > 0xff) return std::nullopt;
  }
  return n;
}

std::optional<std::uint32_t> parse_ipv4_sloppy(std::string_view text) {
  std::uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    auto dot = text.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
    auto value = octet(text.substr(0, dot));
    if (!value) return std::nullopt;
    address = (address << 8) | *value;
    text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  }
  return address;
}

bool has_leading_zeros(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto dot = text.find('.', start);
    auto part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.size() > 1 && part.front() == '0') return true;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return false;
}

// kube's legacy-field IP checks (IsValidIPForLegacyField with strict validation); true when the
// address parsed.
bool legacy_ip_causes(const std::string& field, const std::string& text, std::vector<Cause>& causes) {
  auto ip = parse_ip_sloppy(text);
  if (!ip) {
    causes.push_back(errors::invalid_value(field, quoted(text), std::string(kInvalidIp)));
    return false;
  }
  if (has_leading_zeros(text)) causes.push_back(errors::invalid_value(field, quoted(text), "must not have leading 0s"));
  if (ip->mapped_v4())
    causes.push_back(errors::invalid_value(field, quoted(text), "must not be an IPv4-mapped IPv6 address"));
  return true;
}

std::string type_of(const json::object& spec) {
  std::string t = string_at(spec, "type");
  return t.empty() ? "ClusterIP" : t;
}
bool needs_cluster_ip(const json::object& spec) { return type_of(spec) != "ExternalName"; }
bool has_selector(const json::object& spec) {
  const auto* s = spec.if_contains("selector");
  return s != nullptr && s->is_object() && !s->get_object().empty();
}
// A string list field as it is (non-arrays and null as empty).
json::array list_at(const json::object& spec, std::string_view key) {
  const auto* v = spec.if_contains(key);
  return v != nullptr && v->is_array() ? v->get_array() : json::array{};
}
std::string str(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : std::string(); }
bool same_field(const json::object& a, const json::object& b, std::string_view key) {
  const auto* x = a.if_contains(key);
  const auto* y = b.if_contains(key);
  bool x_empty = x == nullptr || x->is_null() || (x->is_array() && x->get_array().empty());
  bool y_empty = y == nullptr || y->is_null() || (y->is_array() && y->get_array().empty());
  if (x_empty || y_empty) return x_empty == y_empty;
  return json_equal(*x, *y);
}
bool is_ipv6(const std::string& text) {
  auto ip = parse_ip_sloppy(text);
  return ip && !ip->ipv4();
}

// kube's initIPFamilyFields (with ValidateServiceClusterIPsRelatedFields) for a single-stack IPv4
// cluster: defaults ipFamilyPolicy and ipFamilies in `spec` and returns the field errors.
std::vector<Cause> init_ip_families(json::object& spec, const json::array& ips, const json::array& old_ips,
                                    const json::object* old_spec) {
  std::vector<Cause> causes;
  std::string ip = string_at(spec, "clusterIP");
  std::string ips_repr = json::serialize(ips);
  if (!spec.contains("ipFamilyPolicy") || spec.at("ipFamilyPolicy").is_null()) {
    if (old_spec != nullptr && old_spec->contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = old_spec->at("ipFamilyPolicy");
    else spec["ipFamilyPolicy"] = ip == "None" && !has_selector(spec) ? "RequireDualStack" : "SingleStack";
  }
  std::string policy = string_at(spec, "ipFamilyPolicy");
  json::array families = list_at(spec, "ipFamilies");
  if (families.empty() && old_spec != nullptr && json_equal(ips, old_ips)) families = list_at(*old_spec, "ipFamilies");

  // ValidateServiceClusterIPsRelatedFields
  if (!ip.empty()) {
    if (ips.empty()) causes.push_back(errors::required("spec.clusterIPs"));
    else if (str(ips[0]) != ip) causes.push_back(errors::invalid_value("spec.clusterIPs", ips_repr, "first value must match `clusterIP`"));
  } else if (!ips.empty()) {
    causes.push_back(errors::invalid_value("spec.clusterIPs", ips_repr, "must be empty when `clusterIP` is not specified"));
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < families.size(); ++i) {
    std::string field = "spec.ipFamilies[" + std::to_string(i) + "]";
    std::string family = str(families[i]);
    if (family != "IPv4" && family != "IPv6")
      causes.push_back(errors::unsupported_value(field, value_repr(families[i]), {"\"IPv4\"", "\"IPv6\""}));
    if (!seen.insert(family).second) causes.push_back(errors::duplicate(field, value_repr(families[i])));
  }
  if (policy != "SingleStack" && policy != "PreferDualStack" && policy != "RequireDualStack")
    causes.push_back(errors::unsupported_value("spec.ipFamilyPolicy", value_repr(spec.at("ipFamilyPolicy")),
                                               {"\"PreferDualStack\"", "\"RequireDualStack\"", "\"SingleStack\""}));
  bool invalid_ips = false;
  for (std::size_t i = 0; i < ips.size(); ++i) {
    std::string value = str(ips[i]);
    if (i == 0 && value == "None") {
      if (ips.size() > 1) {
        invalid_ips = true;
        causes.push_back(errors::invalid_value("spec.clusterIPs", ips_repr, "'None' must be the first and only value"));
      }
      continue;
    }
    if (std::find(old_ips.begin(), old_ips.end(), ips[i]) != old_ips.end()) continue;  // valid before
    std::size_t before = causes.size();
    legacy_ip_causes("spec.clusterIPs[" + std::to_string(i) + "]", value, causes);
    invalid_ips = invalid_ips || causes.size() != before;
  }
  if (ips.size() > 2) causes.push_back(errors::invalid_value("spec.clusterIPs", ips_repr, "may only hold up to 2 values"));
  if (invalid_ips) return causes;
  if (ips.size() == 2 && is_ipv6(str(ips[0])) == is_ipv6(str(ips[1])))
    causes.push_back(errors::invalid_value("spec.clusterIPs[1]", ips_repr, "may specify no more than one IP for each IP family"));
  if (!causes.empty()) return causes;

  // initIPFamilyFields, on a cluster that serves IPv4 only.
  std::string policy_repr = quoted(policy);
  if (policy == "SingleStack") {
    if (ips.size() == 2)
      causes.push_back(errors::invalid_value("spec.ipFamilyPolicy", policy_repr,
                                             "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (families.size() == 2)
      causes.push_back(errors::invalid_value("spec.ipFamilyPolicy", policy_repr,
                                             "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  for (std::size_t i = 0; i < ips.size(); ++i) {
    if (str(ips[i]) == "None") break;
    if (i < families.size()) continue;
    if (is_ipv6(str(ips[i])))
      causes.push_back(errors::invalid_value("spec.clusterIPs[" + std::to_string(i) + "]", ips_repr, "IPv6 is not configured on this cluster"));
    else
      families.push_back("IPv4");
  }
  if (!causes.empty()) return causes;
  if (ip == "None" && !has_selector(spec)) {
    // Headless without a selector: any families, even on a single-stack cluster.
    if (families.empty()) families.push_back("IPv4");
    if (families.size() < 2 && policy != "SingleStack") families.push_back(str(families[0]) == "IPv4" ? "IPv6" : "IPv4");
    spec["ipFamilies"] = std::move(families);
    return causes;
  }
  if (policy == "RequireDualStack")
    causes.push_back(errors::invalid_value("spec.ipFamilyPolicy", policy_repr, "this cluster is not configured for dual-stack services"));
  for (std::size_t i = 0; i < families.size(); ++i)
    if (str(families[i]) == "IPv6")
      causes.push_back(errors::invalid_value("spec.ipFamilies[" + std::to_string(i) + "]", "\"IPv6\"", "not configured on this cluster"));
  if (!causes.empty()) return causes;
  if (families.empty()) families.push_back("IPv4");
  spec["ipFamilies"] = std::move(families);
  return causes;
}

}  // namespace

std::string ipv4_text(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." + std::to_string((a >> 8) & 0xff) +
         "." + std::to_string(a & 0xff);
}

std::string Ipv4Range::text() const { return ipv4_text(network) + "/" + std::to_string(prefix); }

std::optional<Ipv4Range> parse_service_range(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parse_ipv4_sloppy(text.substr(0, slash));
  auto bits = text.substr(slash + 1);
  if (!address || bits.empty() || bits.size() > 2 || !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int prefix = std::stoi(std::string(bits));
  if (prefix < 12 || prefix > 30) return std::nullopt;
  Ipv4Range range;
  range.prefix = prefix;
  range.network = *address & ~(0xffffffffu >> prefix);
  return range;
}

Ipv4Range random_loopback_range() {
  std::random_device device;
  std::uint32_t r = 2 + device() % 253;
  return Ipv4Range{(127u << 24) | (r << 16), 16};
}

bool IpAddress::mapped_v4() const {
  if (v4) return false;
  for (int i = 0; i < 10; ++i)
    if (bytes[i] != 0) return false;
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

std::optional<std::uint32_t> IpAddress::ipv4() const {
  int at = v4 ? 0 : mapped_v4() ? 12 : -1;
  if (at < 0) return std::nullopt;
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) | (std::uint32_t{bytes[at + 2]} << 8) |
         std::uint32_t{bytes[at + 3]};
}

std::optional<IpAddress> parse_ip_sloppy(std::string_view text) {
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    auto v4 = parse_ipv4_sloppy(text);
    if (!v4) return std::nullopt;
    ip.v4 = true;
    for (int i = 0; i < 4; ++i) ip.bytes[i] = static_cast<std::uint8_t>(*v4 >> (24 - 8 * i));
    return ip;
  }
  std::string s(text);
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  return ip;
}

std::vector<Cause> endpoint_ip_causes(const std::string& field, const std::string& text) {
  std::vector<Cause> causes;
  if (!legacy_ip_causes(field, text, causes)) {
    // ValidateEndpointIP parses again and says so once more, as kube does.
    causes.push_back(errors::invalid_value(field, quoted(text), "must be a valid IP address"));
    return causes;
  }
  auto ip = *parse_ip_sloppy(text);
  auto v4 = ip.ipv4();
  const auto& b = ip.bytes;
  bool unspecified = v4 ? *v4 == 0 : std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
  bool loopback = v4 ? (*v4 >> 24) == 127
                     : std::all_of(b.begin(), b.end() - 1, [](std::uint8_t x) { return x == 0; }) && b[15] == 1;
  bool link_local = v4 ? (*v4 >> 16) == 0xa9fe : b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
  bool link_local_multicast = v4 ? (*v4 >> 8) == 0xe00000 : b[0] == 0xff && (b[1] & 0x0f) == 0x02;
  if (unspecified) causes.push_back(errors::invalid_value(field, quoted(text), "may not be unspecified (" + text + ")"));
  if (loopback)
    causes.push_back(errors::invalid_value(field, quoted(text), "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if (link_local)
    causes.push_back(
        errors::invalid_value(field, quoted(text), "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if (link_local_multicast)
    causes.push_back(errors::invalid_value(field, quoted(text),
                                           "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  return causes;
}

ServiceIPs::ServiceIPs(Ipv4Range range) : range_(range), random_(std::random_device{}()) {}

void ServiceIPs::set_range(Ipv4Range range) {
  range_ = range;
  used_.clear();
}

bool ServiceIPs::track(const json::object& service) {
  const auto& spec = object_or_empty(service, "spec");
  std::string ip = string_at(spec, "clusterIP");
  if (!needs_cluster_ip(spec) || ip.empty() || ip == "None") return true;
  auto parsed = parse_ip_sloppy(ip);
  auto v4 = parsed ? parsed->ipv4() : std::nullopt;
  if (!v4 || *v4 == range_.network || *v4 == range_.broadcast() || (*v4 & ~(0xffffffffu >> range_.prefix)) != range_.network)
    return false;
  used_.insert(*v4);
  return true;
}

bool ServiceIPs::allocated(const std::string& ip) const {
  auto parsed = parse_ip_sloppy(ip);
  auto v4 = parsed ? parsed->ipv4() : std::nullopt;
  return v4 && used_.contains(*v4);
}

void ServiceIPs::release_ip(const std::string& ip) {
  auto parsed = parse_ip_sloppy(ip);
  if (auto v4 = parsed ? parsed->ipv4() : std::nullopt) used_.erase(*v4);
}

void ServiceIPs::release(const json::object& service) {
  const auto& spec = object_or_empty(service, "spec");
  if (needs_cluster_ip(spec)) release_ip(string_at(spec, "clusterIP"));
}

// A random free address, never the network's, the broadcast or the first one (kube gives that to
// the `kubernetes` Service). As kube (KEP-3070), the addresses above a small offset come first, so
// that the low ones stay free for Services that ask for a fixed IP.
std::optional<std::uint32_t> ServiceIPs::next_free() {
  std::uint64_t size = std::uint64_t{1} << (32 - range_.prefix);
  std::uint64_t offset = size <= 16 ? 0 : std::clamp<std::uint64_t>(size / 16, 16, 256);
  std::uint32_t first = range_.network + 1;
  std::uint32_t last = range_.broadcast() - 1;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> bands;
  if (offset == 0) {
    bands.emplace_back(first + 1, last);
  } else {
    bands.emplace_back(static_cast<std::uint32_t>(first + offset), last);
    bands.emplace_back(first + 1, static_cast<std::uint32_t>(first + offset - 1));
  }
  for (auto [low, high] : bands) {
    if (low > high) continue;
    std::uint32_t count = high - low + 1;
    std::uint32_t start = std::uniform_int_distribution<std::uint32_t>(0, count - 1)(random_);
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint32_t candidate = low + (start + i) % count;
      if (!used_.contains(candidate)) return candidate;
    }
  }
  return std::nullopt;
}

Result<std::string> ServiceIPs::on_create(json::object& service, bool dry_run) { return allocate(service, nullptr, dry_run); }

Result<std::string> ServiceIPs::allocate(json::object& service, const json::object* old_spec, bool dry_run) {
  std::string name = string_at(service, "metadata.name");
  auto& spec = ensure_object(service, "spec");
  if (!needs_cluster_ip(spec)) return std::string();
  std::string ip = string_at(spec, "clusterIP");
  json::array ips = list_at(spec, "clusterIPs");
  json::array old_ips = old_spec != nullptr ? list_at(*old_spec, "clusterIPs") : json::array{};
  if (!ip.empty() && ips.empty()) ips.push_back(json::string(ip));
  auto causes = init_ip_families(spec, ips, old_ips, old_spec);
  if (!causes.empty()) return errors::invalid("Service", "", name, std::move(causes));
  if (ip == "None") {
    spec["clusterIPs"] = json::array{"None"};
    return std::string();
  }
  std::string reserved;
  if (ip.empty()) {
    std::optional<std::uint32_t> chosen = dry_run ? std::optional<std::uint32_t>(range_.network) : next_free();
    if (!chosen)
      return errors::internal("failed to allocate a serviceIP for Service \"" + name + "\": range is full");
    ip = ipv4_text(*chosen);
    if (!dry_run) {
      used_.insert(*chosen);
      reserved = ip;
    }
  } else {
    auto v4 = parse_ip_sloppy(ip)->ipv4();  // valid IPv4 by now
    auto fail = [&](const std::string& why) {
      return errors::invalid("Service", "", name,
                             {errors::invalid_value("spec.clusterIPs", json::serialize(ips),
                                                    "failed to allocate IP " + ip + ": " + why)});
    };
    if (*v4 == range_.network || *v4 == range_.broadcast() || (*v4 & ~(0xffffffffu >> range_.prefix)) != range_.network)
      return fail("the provided network does not match the current range");
    if (!dry_run) {  // kube's dry run checks the range only
      if (used_.contains(*v4)) return fail("provided IP is already allocated");
      used_.insert(*v4);
      reserved = ip;
    }
  }
  spec["clusterIP"] = ip;
  spec["clusterIPs"] = json::array{json::string(ip)};
  return reserved;
}

Result<ServiceIpChange> ServiceIPs::on_update(json::object& service, const json::object& old, bool dry_run) {
  ServiceIpChange change;
  auto& spec = ensure_object(service, "spec");
  const auto& old_spec = object_or_empty(old, "spec");
  std::string old_ip = string_at(old_spec, "clusterIP");
  if (!needs_cluster_ip(spec)) {
    if (!needs_cluster_ip(old_spec)) return change;
    // Switching to ExternalName: kube's dropTypeDependentFields, then the address is freed.
    if (string_at(spec, "clusterIP") == old_ip && same_field(spec, old_spec, "clusterIPs")) {
      spec.erase("clusterIP");
      spec.erase("clusterIPs");
    }
    if (same_field(spec, old_spec, "ipFamilies")) spec.erase("ipFamilies");
    if (same_field(spec, old_spec, "ipFamilyPolicy")) spec.erase("ipFamilyPolicy");
    if (old_ip != "None") change.to_release = old_ip;
    return change;
  }
  if (!needs_cluster_ip(old_spec) || old_ip.empty()) {
    // From ExternalName (or a Service stored before it had one): allocated as on create.
    auto reserved = allocate(service, nullptr, dry_run);
    if (!reserved) return reserved.error();
    change.reserved = *reserved;
    return change;
  }
  std::string name = string_at(service, "metadata.name");
  json::array old_ips = list_at(old_spec, "clusterIPs");
  // patchAllocatedValues: what the client left out is what was allocated.
  if (string_at(spec, "clusterIP").empty()) spec["clusterIP"] = old_ip;
  if (list_at(spec, "clusterIPs").empty() && !old_ips.empty()) spec["clusterIPs"] = old_ips;
  // normalizeClusterIPs: a client that changed only clusterIP changed clusterIPs[0] too.
  std::string ip = string_at(spec, "clusterIP");
  json::array ips = list_at(spec, "clusterIPs");
  if (ip != old_ip && json_equal(ips, old_ips)) ips = json::array{json::string(ip)};
  auto causes = init_ip_families(spec, ips, old_ips, &old_spec);
  if (causes.empty() && !(ip == "None" && old_ip == "None")) {
    // kube's validateUpgradeDowngradeClusterIPs
    std::string ips_repr = json::serialize(ips);
    if (ips.empty())
      causes.push_back(errors::invalid_value("spec.clusterIPs[0]", ips_repr, "primary clusterIP can not be unset"));
    for (std::size_t i = 0; i < std::min(ips.size(), old_ips.size()); ++i)
      if (!json_equal(ips[i], old_ips[i]))
        causes.push_back(errors::invalid_value("spec.clusterIPs[" + std::to_string(i) + "]", ips_repr, "may not change once set"));
  }
  if (!causes.empty()) return errors::invalid("Service", "", name, std::move(causes));
  spec["clusterIPs"] = std::move(ips);
  return change;
}

ServiceTarget resolve_service_webhook(const json::object* service, const std::string& name, int port) {
  ServiceTarget target;
  if (service == nullptr) {
    target.error = "service \"" + name + "\" not found";
    return target;
  }
  const auto& spec = object_or_empty(*service, "spec");
  std::string type = string_at(spec, "type");
  std::string ip = string_at(spec, "clusterIP");
  if (type == "ClusterIP" && ip == "None") {
    target.error = "cannot route to service with ClusterIP \"None\"";
  } else if (type == "ClusterIP" || type == "LoadBalancer" || type == "NodePort") {
    const auto* ports = spec.if_contains("ports");
    bool found = false;
    if (ports != nullptr && ports->is_array())
      for (const auto& p : ports->get_array())
        if (p.is_object() && p.get_object().contains("port") && int_of(p.get_object().at("port")) == port) found = true;
    if (!found) {
      target.error = "no service port " + std::to_string(port) + " found for service \"" + name + "\"";
    } else {
      target.host = ip;
      target.port = static_cast<unsigned short>(port);
    }
  } else if (type == "ExternalName") {
    target.host = string_at(spec, "externalName");
    target.port = static_cast<unsigned short>(port);
  } else {
    target.error = "unsupported service type \"" + type + "\"";
  }
  return target;
}

}  // namespace dragops::apiserver
