#include "operator/endpoints.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace dragops::op {
namespace {

http::Request get(std::string target) {
  http::Request request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

TEST(Metrics, ExposesTheDragopsSeries) {
  Metrics metrics;
  metrics.reconciled("Connection", "success", std::chrono::milliseconds(3));
  metrics.set_queue_depth(2);
  metrics.set_sealed_objects(5);
  metrics.set_key_versions({{"team-a", 2}});
  auto response = handle_metrics(metrics, get("/metrics"));
  EXPECT_EQ(response.status, 200);
  for (const auto* series : {"dragops_reconcile_total{kind=\"Connection\",result=\"success\"} 1",
                             "dragops_reconcile_duration_seconds_bucket", "dragops_workqueue_depth 2",
                             "dragops_sealed_objects 5", "dragops_key_versions{namespace=\"team-a\"} 2"})
    EXPECT_NE(response.body.find(series), std::string::npos) << series << "\n" << response.body;
  EXPECT_EQ(metrics.reconcile_count("Connection", "success"), 1.0);
}

TEST(Metrics, PassPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  Metrics metrics;
  metrics.reconciled("Secret", "error", std::chrono::milliseconds(30));
  metrics.event_emitted("Warning");
  metrics.store_written();
  const auto path = ::testing::TempDir() + "/dragops_metrics.txt";
  std::ofstream(path) << handle_metrics(metrics, get("/metrics")).body;
  EXPECT_EQ(std::system(("promtool check metrics < " + path + " >&2").c_str()), 0);
}

TEST(Health, AnswersLivenessAndReadinessSeparately) {
  bool ready = false;
  HealthProbes probes{[] { return true; }, [&] { return ready; }};
  EXPECT_EQ(handle_health(probes, get("/healthz")).status, 200);
  EXPECT_EQ(handle_health(probes, get("/readyz")).status, 503);
  ready = true;
  EXPECT_EQ(handle_health(probes, get("/readyz?verbose")).status, 200);
  EXPECT_EQ(handle_health(probes, get("/metrics")).status, 404);
}

}  // namespace
}  // namespace dragops::op
