// HttpApi against the local API server: CRUD, conflicts, pagination, selectors, patches,
// delete options, watch errors, transport errors and TLS verification.
#include "kube/http_api.hpp"

#include "kube/cache.hpp"
#include "kube/request_path.hpp"
#include "kube/retry.hpp"
#include "live_server.hpp"

#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
using testing::config_map;
using testing::fresh_namespace;
namespace json = boost::json;

const Gvr kConfigMaps = gvr::config_maps();

class HttpApiLive : public testing::SharedServer {};

std::string data_value(const json::object& object, std::string_view key) {
  const auto* data = object.if_contains("data");
  if (!data || !data->is_object()) return {};
  const auto* value = data->as_object().if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

TEST_F(HttpApiLive, CreatesReadsUpdatesAndDeletesAnObject) {
  auto ns = fresh_namespace(*api_, "crud");
  auto created = api_->create(kConfigMaps, ns, config_map(ns, "settings", {{"mode", "a"}}));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_FALSE(resource_version_of(*created).empty());
  EXPECT_TRUE(created->at("metadata").as_object().contains("uid"));

  auto again = api_->create(kConfigMaps, ns, config_map(ns, "settings"));
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().already_exists()) << again.error().reason;

  auto got = api_->get(kConfigMaps, ns, "settings");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(data_value(*got, "mode"), "a");

  auto changed = *got;
  changed["data"].as_object()["mode"] = "b";
  auto updated = api_->update(kConfigMaps, ns, changed);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(data_value(*updated, "mode"), "b");
  EXPECT_GT(std::stoull(resource_version_of(*updated)), std::stoull(resource_version_of(*got)));

  auto removed = api_->remove(kConfigMaps, ns, "settings");
  ASSERT_TRUE(removed) << removed.error().message;
  auto gone = api_->get(kConfigMaps, ns, "settings");
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().not_found());
  EXPECT_EQ(gone.error().reason, "NotFound");
  EXPECT_NE(gone.error().message.find("settings"), std::string::npos);
}

TEST_F(HttpApiLive, RefusesAStaleUpdateWithConflict) {
  auto ns = fresh_namespace(*api_, "stale");
  auto created = api_->create(kConfigMaps, ns, config_map(ns, "c", {{"n", "0"}}));
  ASSERT_TRUE(created);
  auto first = *created;
  first["data"].as_object()["n"] = "1";
  ASSERT_TRUE(api_->update(kConfigMaps, ns, first));
  auto stale = *created;
  stale["data"].as_object()["n"] = "2";
  auto refused = api_->update(kConfigMaps, ns, stale);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().conflict()) << refused.error().code << " " << refused.error().reason;
}

TEST_F(HttpApiLive, TwoWritersRetryingOnConflictLoseNoIncrement) {
  auto ns = fresh_namespace(*api_, "writers");
  ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "counter", {{"n", "0"}})));
  auto increment = [&] {
    return retry_on_conflict([&]() -> Result<json::object> {
      auto current = api_->get(kConfigMaps, ns, "counter");
      if (!current) return current;
      auto next = *current;
      next["data"].as_object()["n"] = std::to_string(std::stoi(data_value(*current, "n")) + 1);
      return api_->update(kConfigMaps, ns, next);
    }, RetryPolicy{50, 1ms, 1.0, 1.0});
  };
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        if (!increment()) ++failures;
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(data_value(*api_->get(kConfigMaps, ns, "counter"), "n"), "30");
}

TEST_F(HttpApiLive, ListsInPagesThatAddUpToEverything) {
  auto ns = fresh_namespace(*api_, "pages");
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "item-" + std::to_string(i))));
  }
  std::set<std::string> names;
  int pages = 0;
  ListOptions options;
  options.limit = 10;
  options.field_selector = testing::kNotRootCa;
  std::string first_rv;
  for (;;) {
    auto page = api_->list(kConfigMaps, ns, options);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    const auto& items = page->at("items").as_array();
    EXPECT_LE(items.size(), 10u);
    for (const auto& item : items) names.insert(name_of(item.as_object()));
    const auto& metadata = page->at("metadata").as_object();
    if (first_rv.empty()) first_rv = std::string(metadata.at("resourceVersion").as_string());
    const auto* next = metadata.if_contains("continue");
    if (!next || next->as_string().empty()) break;
    options.continue_token = std::string(next->as_string());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 25u);
  EXPECT_FALSE(first_rv.empty());
}

TEST_F(HttpApiLive, FiltersByLabelAndFieldSelectors) {
  auto ns = fresh_namespace(*api_, "select");
  ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "web-1", {}, {{"app", "web"}, {"tier", "front"}})));
  ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "web-2", {}, {{"app", "web"}})));
  ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "db-1", {}, {{"app", "db"}})));
  auto names = [&](std::string label_selector, std::string field_selector = "") {
    ListOptions options;
    options.label_selector = std::move(label_selector);
    options.field_selector = std::move(field_selector);
    std::set<std::string> out;
    auto listed = api_->list(kConfigMaps, ns, options);
    EXPECT_TRUE(listed) << listed.error().message;
    if (listed) {
      for (const auto& item : listed->at("items").as_array()) out.insert(name_of(item.as_object()));
    }
    return out;
  };
  EXPECT_EQ(names("app=web"), (std::set<std::string>{"web-1", "web-2"}));
  EXPECT_EQ(names("app in (web,db),tier"), (std::set<std::string>{"web-1"}));
  EXPECT_EQ(names("app!=web", testing::kNotRootCa), (std::set<std::string>{"db-1"}));
  EXPECT_EQ(names("", "metadata.name=web-2"), (std::set<std::string>{"web-2"}));
}

TEST_F(HttpApiLive, AppliesMergeJsonAndStrategicPatches) {
  auto ns = fresh_namespace(*api_, "patch");
  ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "p", {{"a", "1"}, {"b", "2"}})));
  auto merged = api_->patch(kConfigMaps, ns, "p", PatchType::merge, R"({"data":{"a":"10","b":null}})");
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(data_value(*merged, "a"), "10");
  EXPECT_FALSE(merged->at("data").as_object().contains("b"));
  auto json_patched =
      api_->patch(kConfigMaps, ns, "p", PatchType::json, R"([{"op":"add","path":"/data/c","value":"3"}])");
  ASSERT_TRUE(json_patched) << json_patched.error().message;
  EXPECT_EQ(data_value(*json_patched, "c"), "3");
  auto strategic = api_->patch(kConfigMaps, ns, "p", PatchType::strategic_merge, R"({"data":{"d":"4"}})");
  ASSERT_TRUE(strategic) << strategic.error().message;
  EXPECT_EQ(data_value(*strategic, "d"), "4");
  EXPECT_EQ(data_value(*strategic, "a"), "10");
  auto failing = api_->patch(kConfigMaps, ns, "p", PatchType::json, R"([{"op":"test","path":"/data/a","value":"x"}])");
  EXPECT_FALSE(failing);
}

TEST_F(HttpApiLive, HonoursDeletePreconditionsAndDryRun) {
  auto ns = fresh_namespace(*api_, "delete");
  auto created = api_->create(kConfigMaps, ns, config_map(ns, "d"));
  ASSERT_TRUE(created);
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  auto refused = api_->remove(kConfigMaps, ns, "d", wrong_uid);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 409);
  DeleteOptions wrong_version;
  wrong_version.precondition_resource_version = "1";
  EXPECT_FALSE(api_->remove(kConfigMaps, ns, "d", wrong_version));

  DeleteOptions dry_run;
  dry_run.dry_run = true;
  ASSERT_TRUE(api_->remove(kConfigMaps, ns, "d", dry_run));
  EXPECT_TRUE(api_->get(kConfigMaps, ns, "d")) << "a dry run deletes nothing";

  DeleteOptions exact;
  exact.precondition_uid = std::string(created->at("metadata").at("uid").as_string());
  exact.precondition_resource_version = resource_version_of(*created);
  exact.propagation_policy = "Foreground";
  ASSERT_TRUE(api_->remove(kConfigMaps, ns, "d", exact));
  // Foreground deletion finishes once no dependents remain; a lone object goes at once or soon.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (api_->get(kConfigMaps, ns, "d") && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(api_->get(kConfigMaps, ns, "d").error().not_found());
}

TEST_F(HttpApiLive, WatchesChangesInOrderFromAResourceVersion) {
  auto ns = fresh_namespace(*api_, "watch");
  auto first = api_->create(kConfigMaps, ns, config_map(ns, "w1"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(api_->create(kConfigMaps, ns, config_map(ns, "w2")));
  ASSERT_TRUE(api_->remove(kConfigMaps, ns, "w1"));
  WatchOptions options;
  options.resource_version = resource_version_of(*first);
  options.field_selector = testing::kNotRootCa;
  std::vector<std::string> seen;
  auto result = api_->watch(kConfigMaps, ns, options, [&](WatchEvent&& e) {
    if (e.type != "BOOKMARK") seen.push_back(e.type + " " + name_of(e.object));
    return seen.size() < 2;
  }, {});
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED w2", "DELETED w1"}));
}

TEST_F(HttpApiLive, StopsAWatchWhenAskedTo) {
  auto ns = fresh_namespace(*api_, "watchstop");
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(100ms);
    stop.request_stop();
  });
  const auto started = std::chrono::steady_clock::now();
  auto result = api_->watch(kConfigMaps, ns, {}, [](WatchEvent&&) { return true; }, stop.get_token());
  stopper.join();
  EXPECT_TRUE(result);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(HttpApiLiveRestart, ReportsGoneForAResourceVersionBeyondTheHistory) {
  if (dragops::testing::real_backend()) GTEST_SKIP() << "needs the local server's --watch-history to force 410 Gone";
  dragops::testing::ApiServerProcess server(dragops::testing::ApiServerOptions{{"--watch-history", "3"}});
  server.start();
  auto api = testing::api_for(server);
  auto ns = fresh_namespace(*api, "gone");
  auto first = api->create(kConfigMaps, ns, config_map(ns, "g0"));
  ASSERT_TRUE(first);
  for (int i = 1; i < 8; ++i) ASSERT_TRUE(api->create(kConfigMaps, ns, config_map(ns, "g" + std::to_string(i))));
  WatchOptions options;
  options.resource_version = resource_version_of(*first);
  auto result = api->watch(kConfigMaps, ns, options, [](WatchEvent&&) { return true; }, {});
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().gone()) << result.error().code << " " << result.error().message;
}

TEST(HttpApiLiveRestart, ReportsATransportFailureAsCodeZero) {
  dragops::testing::ApiServerProcess server;
  server.start();
  HttpApiOptions options;
  options.request_timeout = 2000ms;
  auto api = testing::api_for(server, options);
  server.kill();
  auto result = api->get(kConfigMaps, "default", "x");
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().transport());
  EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find(server.token()), std::string::npos);
}

class HttpApiLiveTls : public testing::SharedServer {};

TEST_F(HttpApiLiveTls, RefusesAServerCertificateFromAnotherCa) {
  auto config = *load_kubeconfig(server_->kubeconfig_path());
  // A CA that did not sign the server's certificate: the local server's own CA is rejected
  // when we swap in a freshly made one.
  const auto other_dir = server_->dir() / "other-ca";
  std::filesystem::create_directories(other_dir);
  const auto command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '" +
                       (other_dir / "k").string() + "' -out '" + (other_dir / "c").string() +
                       "' -days 1 -subj /CN=other >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  config.tls.ca_pem.clear();
  config.tls.ca_file = (other_dir / "c").string();
  auto api = HttpApi::create(config);
  ASSERT_TRUE(api) << api.error().message;
  auto result = (*api)->get(gvr::namespaces(), "", "default");
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().transport());
  EXPECT_NE(result.error().message.find("certificate verify failed"), std::string::npos) << result.error().message;
}

TEST_F(HttpApiLiveTls, RefusesACertificateForAnotherHostName) {
  auto config = *load_kubeconfig(server_->kubeconfig_path());
  config.tls.server_name = "kubernetes.example";
  auto api = HttpApi::create(config);
  ASSERT_TRUE(api);
  auto result = (*api)->get(gvr::namespaces(), "", "default");
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().transport());
  EXPECT_NE(result.error().message.find("mismatch"), std::string::npos) << result.error().message;
  // The same client setup with the right name works: the refusal was about the name only.
  config.tls.server_name.clear();
  EXPECT_TRUE((*HttpApi::create(config))->get(gvr::namespaces(), "", "default"));
}

TEST_F(HttpApiLiveTls, RefusesAWrongTokenWithUnauthorized) {
  auto config = *load_kubeconfig(server_->kubeconfig_path());
  config.token = "wrong-token-CANARY";
  config.token_file.clear();
  config.tls.client_cert_pem.clear();  // the real control plane's kubeconfig authenticates by certificate
  config.tls.client_key_pem.clear();
  auto result = (*HttpApi::create(config))->get(gvr::namespaces(), "", "default");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, 401);
  EXPECT_EQ(result.error().message.find("CANARY"), std::string::npos);
}

}  // namespace
}  // namespace dragops::kube
