#include "apiserver/service_ips.hpp"

#include "apiserver/json_util.hpp"
#include "apiserver/store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <set>

namespace dragops::apiserver {
namespace {

json::object j(const std::string& text) { return boost::json::parse(text).as_object(); }

json::object service(const std::string& name, const std::string& spec = R"("ports":[{"port":443}])") {
  return j(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name + R"("},"spec":{)" + spec + "}}");
}

std::uint32_t v4(const std::string& text) { return *parse_ip_sloppy(text)->ipv4(); }

Ipv4Range range(const std::string& text) { return *parse_service_range(text); }

TEST(ServiceRange, ParsesAnIpv4CidrAndMasksIt) {
  EXPECT_EQ(range("127.5.0.0/16").text(), "127.5.0.0/16");
  EXPECT_EQ(range("10.96.3.4/12").text(), "10.96.0.0/12");
  EXPECT_EQ(range("192.168.1.0/30").text(), "192.168.1.0/30");
  for (const char* bad : {"10.0.0.0/8", "10.0.0.0/31", "10.0.0.0/32", "10.0.0.0", "10.0.0/16", "fd00::/112",
                          "10.0.0.0/x", "10.0.0.0/", "256.0.0.0/16", "10.0.0.0/016"})
    EXPECT_FALSE(parse_service_range(bad)) << bad;
}

TEST(ServiceRange, TheDefaultIsARandomLoopbackSlash16) {
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 300; ++i) {
    auto r = random_loopback_range();
    EXPECT_EQ(r.prefix, 16);
    EXPECT_EQ(r.network >> 24, 127u);
    std::uint32_t second = (r.network >> 16) & 0xff;
    EXPECT_GE(second, 2u);
    EXPECT_LE(second, 254u);
    EXPECT_EQ(r.network & 0xffff, 0u);
    seen.insert(second);
  }
  EXPECT_GT(seen.size(), 50u) << "R is random";
}

TEST(ServiceIPs, CreateAllocatesAFreeAddressAndTheSingleStackDefaults) {
  ServiceIPs ips(range("127.9.0.0/16"));
  std::set<std::string> given;
  for (int i = 0; i < 200; ++i) {
    auto svc = service("s" + std::to_string(i));
    auto reserved = ips.on_create(svc, false);
    ASSERT_TRUE(reserved) << reserved.error().message;
    std::string ip = string_at(svc, "spec.clusterIP");
    EXPECT_EQ(*reserved, ip);
    EXPECT_EQ(to_json(*find_path(svc, "spec.clusterIPs")), R"([")" + ip + R"("])");
    EXPECT_EQ(to_json(*find_path(svc, "spec.ipFamilies")), R"(["IPv4"])");
    EXPECT_EQ(string_at(svc, "spec.ipFamilyPolicy"), "SingleStack");
    auto a = v4(ip);
    EXPECT_EQ(a & 0xffff0000u, v4("127.9.0.0")) << ip;
    // Never the network, the first address (the `kubernetes` Service's) or the broadcast; the
    // low band (kube's static range, 256 addresses of a /16) only once the rest is full.
    EXPECT_GE(a, v4("127.9.1.1")) << ip;
    EXPECT_LE(a, v4("127.9.255.254")) << ip;
    EXPECT_TRUE(given.insert(ip).second) << "allocated twice: " << ip;
    EXPECT_TRUE(ips.allocated(ip));
  }
  EXPECT_EQ(ips.allocated_count(), 200u);
}

TEST(ServiceIPs, ASmallRangeFillsUpAndAReleasedAddressIsGivenAgain) {
  ServiceIPs ips(range("10.0.0.0/29"));  // .0 network, .1 first, .7 broadcast: .2 to .6 are given
  std::set<std::string> given;
  for (int i = 0; i < 5; ++i) {
    auto svc = service("s" + std::to_string(i));
    ASSERT_TRUE(ips.on_create(svc, false));
    given.insert(string_at(svc, "spec.clusterIP"));
  }
  EXPECT_EQ(given, (std::set<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}));
  auto full = service("full");
  auto r = ips.on_create(full, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 500);
  EXPECT_EQ(r.error().message, R"(Internal error occurred: failed to allocate a serviceIP for Service "full": range is full)");
  ips.release_ip("10.0.0.4");
  ASSERT_TRUE(ips.on_create(full, false));
  EXPECT_EQ(string_at(full, "spec.clusterIP"), "10.0.0.4");
  // The first address can still be asked for (kube gives it to the `kubernetes` Service so).
  auto first = service("first", R"("clusterIP":"10.0.0.1","ports":[{"port":443}])");
  ASSERT_TRUE(ips.on_create(first, false));
}

TEST(ServiceIPs, AnAddressAskedForIsKeptIfFreeAndInTheRange) {
  ServiceIPs ips(range("127.9.0.0/16"));
  auto a = service("a", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])");
  auto r = ips.on_create(a, false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "127.9.3.3");
  EXPECT_EQ(to_json(*find_path(a, "spec.clusterIPs")), R"(["127.9.3.3"])");

  auto dup = service("dup", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])");
  auto taken = ips.on_create(dup, false);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, 422);
  EXPECT_EQ(taken.error().reason, "Invalid");
  EXPECT_EQ(taken.error().message,
            R"(Service "dup" is invalid: spec.clusterIPs: Invalid value: ["127.9.3.3"]: failed to allocate IP 127.9.3.3: provided IP is already allocated)");
  ASSERT_EQ(taken.error().causes.size(), 1u);
  EXPECT_EQ(taken.error().causes[0].field, "spec.clusterIPs");

  for (const char* outside : {"10.0.0.5", "127.9.0.0", "127.9.255.255", "127.10.0.1"}) {
    auto svc = service("out", std::string(R"("clusterIP":")") + outside + R"(","ports":[{"port":443}])");
    auto e = ips.on_create(svc, false);
    ASSERT_FALSE(e) << outside;
    EXPECT_EQ(e.error().message, std::string(R"(Service "out" is invalid: spec.clusterIPs: Invalid value: [")") + outside +
                                     R"("]: failed to allocate IP )" + outside +
                                     ": the provided network does not match the current range");
  }
}

TEST(ServiceIPs, HeadlessAndExternalNameServicesGetNoAddress) {
  ServiceIPs ips(range("127.9.0.0/16"));
  auto headless = service("h", R"("clusterIP":"None","selector":{"app":"x"},"ports":[{"port":443}])");
  auto r = ips.on_create(headless, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
  EXPECT_EQ(to_json(*find_path(headless, "spec.clusterIPs")), R"(["None"])");
  EXPECT_EQ(to_json(*find_path(headless, "spec.ipFamilies")), R"(["IPv4"])");
  EXPECT_EQ(string_at(headless, "spec.ipFamilyPolicy"), "SingleStack");
  // kube's special case: headless without a selector is RequireDualStack with both families.
  auto bare = service("b", R"("clusterIP":"None","ports":[{"port":443}])");
  ASSERT_TRUE(ips.on_create(bare, false));
  EXPECT_EQ(to_json(*find_path(bare, "spec.ipFamilies")), R"(["IPv4","IPv6"])");
  EXPECT_EQ(string_at(bare, "spec.ipFamilyPolicy"), "RequireDualStack");

  auto external = service("e", R"("type":"ExternalName","externalName":"example.com")");
  ASSERT_TRUE(ips.on_create(external, false));
  EXPECT_FALSE(find_path(external, "spec.clusterIP"));
  EXPECT_FALSE(find_path(external, "spec.ipFamilies"));
  EXPECT_EQ(ips.allocated_count(), 0u);

  for (const char* type : {"NodePort", "LoadBalancer"}) {
    auto svc = service(type, std::string(R"("type":")") + type + R"(","ports":[{"port":443}])");
    ASSERT_TRUE(ips.on_create(svc, false));
    EXPECT_FALSE(string_at(svc, "spec.clusterIP").empty()) << type;
  }
}

TEST(ServiceIPs, BadAddressesAndFieldCombinationsAreRefusedWithKubesMessages) {
  ServiceIPs ips(range("127.9.0.0/16"));
  auto message = [&](const std::string& spec) {
    auto svc = service("x", spec);
    auto r = ips.on_create(svc, false);
    return r ? std::string("(allowed)") : r.error().message;
  };
  EXPECT_EQ(message(R"("clusterIP":"abc")"),
            R"(Service "x" is invalid: spec.clusterIPs[0]: Invalid value: "abc": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff))");
  EXPECT_EQ(message(R"("clusterIP":"010.1.1.1")"),
            R"(Service "x" is invalid: spec.clusterIPs[0]: Invalid value: "010.1.1.1": must not have leading 0s)");
  EXPECT_EQ(message(R"("clusterIP":"fd00::1")"),
            R"(Service "x" is invalid: spec.clusterIPs[0]: Invalid value: ["fd00::1"]: IPv6 is not configured on this cluster)");
  EXPECT_EQ(message(R"("clusterIP":"127.9.5.5","clusterIPs":["127.9.5.6"])"),
            R"(Service "x" is invalid: spec.clusterIPs: Invalid value: ["127.9.5.6"]: first value must match `clusterIP`)");
  EXPECT_EQ(message(R"("clusterIPs":["127.9.5.7"])"),
            R"(Service "x" is invalid: spec.clusterIPs: Invalid value: ["127.9.5.7"]: must be empty when `clusterIP` is not specified)");
  EXPECT_EQ(message(R"("ipFamilyPolicy":"RequireDualStack")"),
            R"(Service "x" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services)");
  EXPECT_EQ(message(R"("ipFamilies":["IPv6"])"),
            R"(Service "x" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster)");
  EXPECT_EQ(message(R"("ipFamilyPolicy":"PreferDualStack")"), "(allowed)");
  EXPECT_EQ(ips.allocated_count(), 1u) << "refused requests reserve nothing";
}

TEST(ServiceIPs, ADryRunReservesNothing) {
  ServiceIPs ips(range("127.9.0.0/16"));
  auto taken = service("t", R"("clusterIP":"127.9.3.3")");
  ASSERT_TRUE(ips.on_create(taken, false));
  auto dry = service("d");
  auto r = ips.on_create(dry, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "");
  EXPECT_EQ(string_at(dry, "spec.clusterIP"), "127.9.0.0") << "kube's dry-run allocator answers the network address";
  auto same = service("s", R"("clusterIP":"127.9.3.3")");
  EXPECT_TRUE(ips.on_create(same, true)) << "kube's dry run checks the range only";
  auto out = service("o", R"("clusterIP":"10.1.1.1")");
  EXPECT_FALSE(ips.on_create(out, true));
  EXPECT_EQ(ips.allocated_count(), 1u);
}

TEST(ServiceIPs, AnUpdateKeepsTheAddressAndMayNotChangeIt) {
  ServiceIPs ips(range("127.9.0.0/16"));
  auto old = service("a", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])");
  ASSERT_TRUE(ips.on_create(old, false));

  // A client that leaves the allocated fields out (kubectl apply of the original manifest).
  auto next = service("a", R"("ports":[{"port":8443}])");
  auto r = ips.on_update(next, old, false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->reserved, "");
  EXPECT_EQ(r->to_release, "");
  EXPECT_EQ(string_at(next, "spec.clusterIP"), "127.9.3.3");
  EXPECT_EQ(to_json(*find_path(next, "spec.clusterIPs")), R"(["127.9.3.3"])");
  EXPECT_EQ(to_json(*find_path(next, "spec.ipFamilies")), R"(["IPv4"])");
  EXPECT_EQ(string_at(next, "spec.ipFamilyPolicy"), "SingleStack");

  // Changing clusterIP alone (clusterIPs as stored) or both: kube's message.
  for (const char* spec : {R"("clusterIP":"127.9.3.4","clusterIPs":["127.9.3.3"])", R"("clusterIP":"127.9.3.4","clusterIPs":["127.9.3.4"])"}) {
    auto changed = service("a", spec);
    auto e = ips.on_update(changed, old, false);
    ASSERT_FALSE(e) << spec;
    EXPECT_EQ(e.error().code, 422);
    EXPECT_EQ(e.error().message,
              R"(Service "a" is invalid: spec.clusterIPs[0]: Invalid value: ["127.9.3.4"]: may not change once set)");
    EXPECT_EQ(e.error().causes[0].field, "spec.clusterIPs[0]");
  }
  auto none = service("a", R"("clusterIP":"None","clusterIPs":["None"])");
  auto e = ips.on_update(none, old, false);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, R"(Service "a" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set)");
  EXPECT_EQ(ips.allocated_count(), 1u);
}

TEST(ServiceIPs, SwitchingToAndFromExternalName) {
  ServiceIPs ips(range("127.9.0.0/16"));
  auto old = service("a", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])");
  ASSERT_TRUE(ips.on_create(old, false));
  // kube drops the fields it set (unchanged by the client) and frees the address once stored.
  auto external = old;
  external["spec"].as_object()["type"] = "ExternalName";
  external["spec"].as_object()["externalName"] = "example.com";
  auto r = ips.on_update(external, old, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to_release, "127.9.3.3");
  for (const char* field : {"spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies", "spec.ipFamilyPolicy"})
    EXPECT_FALSE(find_path(external, field)) << field;
  ips.release_ip(r->to_release);
  EXPECT_FALSE(ips.allocated("127.9.3.3"));

  auto back = external;
  back["spec"].as_object()["type"] = "ClusterIP";
  back["spec"].as_object().erase("externalName");
  auto again = ips.on_update(back, external, false);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->reserved.empty());
  EXPECT_EQ(string_at(back, "spec.clusterIP"), again->reserved);
  EXPECT_TRUE(ips.allocated(again->reserved));
}

TEST(ServiceIPs, TrackingStoredServices) {
  ServiceIPs ips(range("127.9.0.0/16"));
  EXPECT_TRUE(ips.track(service("a", R"("clusterIP":"127.9.3.3")")));
  EXPECT_TRUE(ips.track(service("h", R"("clusterIP":"None")")));
  EXPECT_TRUE(ips.track(service("old")));  // stored before it had one
  EXPECT_FALSE(ips.track(service("x", R"("clusterIP":"10.0.0.1")")));
  EXPECT_TRUE(ips.allocated("127.9.3.3"));
  EXPECT_EQ(ips.allocated_count(), 1u);
  ips.release(service("a", R"("clusterIP":"127.9.3.3")"));
  EXPECT_EQ(ips.allocated_count(), 0u);
}

TEST(EndpointIp, LoopbackLinkLocalAndUnspecifiedAddressesAreRefused) {
  auto messages = [](const std::string& ip) {
    std::string out;
    for (const auto& c : endpoint_ip_causes("subsets[0].addresses[0].ip", ip))
      out += (out.empty() ? "" : "\n") + c.field + ": " + c.message;
    return out;
  };
  EXPECT_EQ(messages("127.0.0.1"),
            R"(subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128))");
  EXPECT_EQ(messages("127.200.3.4"),
            R"(subsets[0].addresses[0].ip: Invalid value: "127.200.3.4": may not be in the loopback range (127.0.0.0/8, ::1/128))");
  EXPECT_EQ(messages("::1"), R"(subsets[0].addresses[0].ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128))");
  EXPECT_EQ(messages("169.254.1.1"),
            R"(subsets[0].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10))");
  EXPECT_EQ(messages("fe80::1"),
            R"(subsets[0].addresses[0].ip: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10))");
  EXPECT_EQ(messages("224.0.0.1"),
            R"(subsets[0].addresses[0].ip: Invalid value: "224.0.0.1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10))");
  EXPECT_EQ(messages("0.0.0.0"), R"(subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0))");
  EXPECT_EQ(messages("::"), R"(subsets[0].addresses[0].ip: Invalid value: "::": may not be unspecified (::))");
  EXPECT_EQ(messages("abc"),
            "subsets[0].addresses[0].ip: Invalid value: \"abc\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)\n"
            "subsets[0].addresses[0].ip: Invalid value: \"abc\": must be a valid IP address");
  EXPECT_EQ(messages("::ffff:127.0.0.1"),
            "subsets[0].addresses[0].ip: Invalid value: \"::ffff:127.0.0.1\": must not be an IPv4-mapped IPv6 address\n"
            "subsets[0].addresses[0].ip: Invalid value: \"::ffff:127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)");
  EXPECT_EQ(messages("010.1.1.1"), R"(subsets[0].addresses[0].ip: Invalid value: "010.1.1.1": must not have leading 0s)");
  for (const char* fine : {"10.1.1.1", "192.168.3.4", "2001:db8::1", "224.0.1.1", "8.8.8.8"}) EXPECT_EQ(messages(fine), "") << fine;
}

TEST(ServiceWebhook, ResolvesToTheClusterIpAndServicePortAsKube) {
  auto svc = service("hook", R"("type":"ClusterIP","clusterIP":"127.9.3.3","ports":[{"name":"https","port":443,"targetPort":8443},{"port":8080}])");
  auto t = resolve_service_webhook(&svc, "hook", 443);
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(t.host, "127.9.3.3");
  EXPECT_EQ(t.port, 443) << "the service port, not the targetPort: there is no kube-proxy";
  EXPECT_EQ(resolve_service_webhook(&svc, "hook", 8080).port, 8080);
  EXPECT_EQ(resolve_service_webhook(&svc, "hook", 9443).error, R"(no service port 9443 found for service "hook")");
  EXPECT_EQ(resolve_service_webhook(nullptr, "gone", 443).error, R"(service "gone" not found)");
  auto headless = service("h", R"("type":"ClusterIP","clusterIP":"None","ports":[{"port":443}])");
  EXPECT_EQ(resolve_service_webhook(&headless, "h", 443).error, R"(cannot route to service with ClusterIP "None")");
  auto node_port = service("n", R"("type":"NodePort","clusterIP":"127.9.3.4","ports":[{"port":443}])");
  EXPECT_EQ(resolve_service_webhook(&node_port, "n", 443).host, "127.9.3.4");
  auto external = service("e", R"("type":"ExternalName","externalName":"hooks.example.test")");
  t = resolve_service_webhook(&external, "e", 8443);
  EXPECT_EQ(t.host, "hooks.example.test");
  EXPECT_EQ(t.port, 8443);
}

// Through the store: allocation on create, freed on delete and when a create fails, kept across
// a snapshot, and Endpoints validation.
class ServiceStoreTest : public ::testing::Test {
 protected:
  ServiceStoreTest() : store_(registry_, 100, [] { return std::chrono::system_clock::now(); }) {
    store_.set_service_ip_range(range("127.9.0.0/16"));
    EXPECT_TRUE(store_.create(type("namespaces"), "", j(R"({"metadata":{"name":"default"}})"), {}));
  }
  const ResourceType& type(const std::string& resource) { return *registry_.find("", "v1", resource); }

  Registry registry_;
  Store store_;
};

TEST_F(ServiceStoreTest, CreateDeleteAndAFailedCreate) {
  auto a = store_.create(type("services"), "default", service("a", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])"), {});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(string_at(*a, "spec.clusterIP"), "127.9.3.3");
  auto b = store_.create(type("services"), "default", service("b"), {});
  ASSERT_TRUE(b);
  EXPECT_TRUE(store_.service_ips().allocated(string_at(*b, "spec.clusterIP")));

  // AlreadyExists after the allocation: the address is freed again.
  auto again = store_.create(type("services"), "default", service("b"), {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "AlreadyExists");
  EXPECT_EQ(store_.service_ips().allocated_count(), 2u);
  WriteOptions dry;
  dry.dry_run = true;
  ASSERT_TRUE(store_.create(type("services"), "default", service("c"), dry));
  EXPECT_EQ(store_.service_ips().allocated_count(), 2u);

  ASSERT_TRUE(store_.remove(type("services"), "default", "a", {}));
  EXPECT_FALSE(store_.service_ips().allocated("127.9.3.3"));
  auto reused = store_.create(type("services"), "default", service("c", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])"), {});
  ASSERT_TRUE(reused) << reused.error().message;

  auto changed = *reused;
  changed["spec"].as_object()["clusterIP"] = "127.9.3.4";
  auto refused = store_.update(type("services"), "default", "c", changed, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            R"(Service "c" is invalid: spec.clusterIPs[0]: Invalid value: ["127.9.3.4"]: may not change once set)");
}

TEST_F(ServiceStoreTest, TheRangeAndTheAllocationsSurviveASnapshot) {
  ASSERT_TRUE(store_.create(type("services"), "default", service("a", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])"), {}));
  auto snapshot = store_.snapshot();
  EXPECT_EQ(string_at(snapshot, "serviceClusterIPRange"), "127.9.0.0/16");
  Registry other_registry;
  Store other(other_registry, 100, [] { return std::chrono::system_clock::now(); });
  ASSERT_TRUE(other.restore(snapshot));
  EXPECT_EQ(other.service_ips().range().text(), "127.9.0.0/16");
  EXPECT_TRUE(other.service_ips().allocated("127.9.3.3"));
  auto dup = other.create(*other_registry.find("", "v1", "services"), "default",
                          service("b", R"("clusterIP":"127.9.3.3","ports":[{"port":443}])"), {});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("provided IP is already allocated"), std::string::npos);
}

TEST_F(ServiceStoreTest, EndpointsRefuseLoopbackAddresses) {
  auto endpoints = j(R"({"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"hook"},
    "subsets":[{"addresses":[{"ip":"127.0.0.1"}],"ports":[{"port":8443}]}]})");
  auto r = store_.create(type("endpoints"), "default", endpoints, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().reason, "Invalid");
  EXPECT_EQ(r.error().message,
            R"(Endpoints "hook" is invalid: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128))");
  ASSERT_EQ(r.error().causes.size(), 1u);
  EXPECT_EQ(r.error().causes[0].field, "subsets[0].addresses[0].ip");
  EXPECT_EQ(r.error().causes[0].reason, "FieldValueInvalid");

  endpoints["subsets"].as_array()[0].as_object()["addresses"].as_array()[0].as_object()["ip"] = "10.1.2.3";
  ASSERT_TRUE(store_.create(type("endpoints"), "default", endpoints, {}));
  endpoints["subsets"].as_array()[0].as_object()["notReadyAddresses"] = json::array{json::object{{"ip", "169.254.9.9"}}};
  auto update = store_.update(type("endpoints"), "default", "hook", endpoints, {});
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().causes[0].field, "subsets[0].notReadyAddresses[0].ip");
}

}  // namespace
}  // namespace dragops::apiserver
