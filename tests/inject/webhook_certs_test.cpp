#include "inject/webhook_certs.hpp"

#include "fake_cluster.hpp"

#include "crypto/base64.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace dragops::inject {
namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

CertificateSettings settings() {
  return {"dragops-system", "dragops-webhook-cert", "dragops-webhook", "dragops-sidecar-injector", std::chrono::hours(24 * 90), {}};
}

std::string decoded(const json::object& secret, std::string_view key) {
  auto bytes = crypto::base64_decode(secret.at("data").at(key).as_string());
  return std::string(bytes->begin(), bytes->end());
}

TEST(Certificates, IssueAServingCertificateForTheServiceNames) {
  auto now = Clock::now();
  auto ca = issue_ca("test-ca", now, 24h * 365);
  ASSERT_TRUE(ca) << ca.error();
  auto serving = issue_serving(*ca, service_dns_names("dragops-webhook", "dragops-system"), now, 24h * 30);
  ASSERT_TRUE(serving) << serving.error();
  EXPECT_TRUE(certificate_covers(serving->certificate_pem, "dragops-webhook.dragops-system.svc"));
  EXPECT_TRUE(certificate_covers(serving->certificate_pem, "dragops-webhook.dragops-system.svc.cluster.local"));
  EXPECT_FALSE(certificate_covers(serving->certificate_pem, "other.dragops-system.svc"));
  auto validity = validity_of(serving->certificate_pem);
  ASSERT_TRUE(validity);
  EXPECT_NEAR(std::chrono::duration<double>(validity->not_after - now).count(), std::chrono::seconds(24h * 30).count(), 10);
  EXPECT_NE(serving->private_key_pem.find("PRIVATE KEY"), std::string::npos);
}

TEST(Certificates, NeedRenewalAfterTwoThirdsOfTheirLifetime) {
  auto start = Clock::from_time_t(1'800'000'000);
  Validity validity{start, start + 90 * 24h};
  EXPECT_FALSE(needs_renewal(validity, start + 59 * 24h));
  EXPECT_TRUE(needs_renewal(validity, start + 61 * 24h));
}

TEST(CertificateManager, CreatesTheSecretOnceAndPatchesTheCaBundle) {
  testing::FakeCluster cluster;
  cluster.put(kube::gvr::mutating_webhooks(), "",
              json::object{{"metadata", {{"name", "dragops-sidecar-injector"}}},
                           {"webhooks", json::array{{{"name", "pods.dragops.io"},
                                                     {"clientConfig", {{"service", {{"name", "dragops-webhook"}}}}}}}}});
  CertificateManager manager(cluster, settings());
  auto first = manager.ensure();
  ASSERT_TRUE(first) << first.error();
  auto secret = cluster.find(kube::gvr::secrets(), "dragops-system", "dragops-webhook-cert");
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->at("type"), "kubernetes.io/tls");
  EXPECT_EQ(decoded(*secret, "tls.crt"), first->serving.certificate_pem);
  auto again = manager.ensure();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->serving.certificate_pem, first->serving.certificate_pem);

  ASSERT_TRUE(manager.patch_ca_bundle(first->ca_bundle));
  auto config = cluster.find(kube::gvr::mutating_webhooks(), "", "dragops-sidecar-injector");
  auto bundle = crypto::base64_decode(config->at("webhooks").at(0).at("clientConfig").at("caBundle").as_string());
  EXPECT_EQ(std::string(bundle->begin(), bundle->end()), first->ca_bundle);
  const int writes = cluster.writes();
  ASSERT_TRUE(manager.patch_ca_bundle(first->ca_bundle));
  EXPECT_EQ(cluster.writes(), writes) << "an unchanged caBundle is not patched again";
}

TEST(CertificateManager, TwoReplicasStartingTogetherServeTheSameCertificate) {
  for (int round = 0; round < 5; ++round) {
    testing::FakeCluster cluster;
    CertificateManager a(cluster, settings()), b(cluster, settings());
    boost::system::result<WebhookCertificates, std::string> ra = std::string("unset"), rb = std::string("unset");
    std::thread ta([&] { ra = a.ensure(); });
    std::thread tb([&] { rb = b.ensure(); });
    ta.join();
    tb.join();
    ASSERT_TRUE(ra && rb);
    EXPECT_EQ(ra->ca_bundle, rb->ca_bundle);
    EXPECT_EQ(ra->serving.certificate_pem, rb->serving.certificate_pem);
  }
}

TEST(CertificateManager, RenewsTheServingCertificateAndKeepsTheCa) {
  testing::FakeCluster cluster;
  auto now = Clock::now();
  CertificateManager manager(cluster, settings(), [&] { return now; });
  auto first = manager.ensure();
  ASSERT_TRUE(first);
  now += 24h * 61;
  auto renewed = manager.ensure();
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->serving.certificate_pem, first->serving.certificate_pem);
  EXPECT_EQ(renewed->ca_bundle, first->ca_bundle);
  auto stored = parse_certificate_secret(*cluster.find(kube::gvr::secrets(), "dragops-system", "dragops-webhook-cert"));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->serving.certificate_pem, renewed->serving.certificate_pem);
}

TEST(CertificateManager, RenewsTheCaAndKeepsTrustingTheOldOneWhileItIsValid) {
  testing::FakeCluster cluster;
  auto now = Clock::now();
  CertificateManager manager(cluster, settings(), [&] { return now; });
  auto first = manager.ensure();
  ASSERT_TRUE(first);
  now += 24h * 90 * 7;   // past 2/3 of the CA's 900 days
  auto renewed = manager.ensure();
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->ca.certificate_pem, first->ca.certificate_pem);
  EXPECT_EQ(renewed->ca_bundle, renewed->ca.certificate_pem + first->ca.certificate_pem);
}

TEST(CertificateManager, ReissuesForAnotherServiceName) {
  testing::FakeCluster cluster;
  ASSERT_TRUE(CertificateManager(cluster, settings()).ensure());
  auto other = settings();
  other.service = "renamed-webhook";
  auto renewed = CertificateManager(cluster, other).ensure();
  ASSERT_TRUE(renewed);
  EXPECT_TRUE(certificate_covers(renewed->serving.certificate_pem, "renamed-webhook.dragops-system.svc"));
}

}  // namespace
}  // namespace dragops::inject
