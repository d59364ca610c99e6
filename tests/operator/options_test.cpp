#include "operator/options.hpp"

#include <gtest/gtest.h>

#include <map>

namespace dragops::op {
namespace {

using namespace std::chrono_literals;

Getenv env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST(ParseOptions, DefaultsFollowTheSharedNames) {
  auto options = parse_options({}, env({}));
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->namespace_, "dragops-system");
  EXPECT_TRUE(options->leader_elect);
  EXPECT_EQ(options->leader_election_id, "dragops-operator");
  EXPECT_EQ(options->lease_duration, 15s);
  EXPECT_EQ(options->renew_deadline, 10s);
  EXPECT_EQ(options->retry_period, 2s);
  EXPECT_EQ(options->metrics_addr, ":8080");
  EXPECT_EQ(options->health_addr, ":8081");
  EXPECT_EQ(options->webhook_addr, ":9443");
  EXPECT_EQ(options->key_rotation_interval, 720h);
  EXPECT_TRUE(options->watch_namespaces.empty());
}

TEST(ParseOptions, FlagsWinOverEnvironmentWhichWinsOverDefaults) {
  auto options = parse_options({"--lease-duration=3s", "--watch-namespaces", "a,b"},
                               env({{"DRAGOPS_LEASE_DURATION", "7s"}, {"DRAGOPS_RETRY_PERIOD", "500ms"},
                                    {"POD_NAMESPACE", "ops"}, {"DRAGOPS_LEADER_ELECT", "false"}}));
  ASSERT_TRUE(options.has_value()) << options.error();
  EXPECT_EQ(options->lease_duration, 3s);
  EXPECT_EQ(options->retry_period, 500ms);
  EXPECT_EQ(options->namespace_, "ops");
  EXPECT_FALSE(options->leader_elect);
  EXPECT_EQ(options->watch_namespaces, (std::vector<std::string>{"a", "b"}));
}

TEST(ParseOptions, NamesTheBadFlag) {
  auto unknown = parse_options({"--lease-time=3s"}, env({}));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error(), "unknown flag --lease-time");
  auto bad = parse_options({"--retry-period", "soon"}, env({}));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), "--retry-period: invalid value");
}

TEST(ParseOptions, Pkcs11IsOffUntilAModuleIsNamed) {
  auto options = parse_options({}, env({}));
  ASSERT_TRUE(options.has_value());
  EXPECT_TRUE(options->pkcs11_module.empty());
  EXPECT_EQ(parse_options({"--pkcs11-key-label", "k"}, env({})).error(), "the --pkcs11-* flags need --pkcs11-module");
}

TEST(ParseOptions, Pkcs11NeedsAKeyLabelAndExactlyOneTokenSelector) {
  const std::vector<std::string> module{"--pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so"};
  auto with = [&](std::vector<std::string> more) {
    auto args = module;
    args.insert(args.end(), more.begin(), more.end());
    return parse_options(args, env({}));
  };
  EXPECT_EQ(with({"--pkcs11-token-label", "t"}).error(), "--pkcs11-module needs --pkcs11-key-label");
  EXPECT_EQ(with({"--pkcs11-key-label", "k"}).error(), "--pkcs11-module needs exactly one of --pkcs11-token-label and --pkcs11-slot");
  EXPECT_EQ(with({"--pkcs11-key-label", "k", "--pkcs11-token-label", "t", "--pkcs11-slot", "3"}).error(),
            "--pkcs11-module needs exactly one of --pkcs11-token-label and --pkcs11-slot");
  EXPECT_EQ(with({"--pkcs11-key-label", "k", "--pkcs11-slot", "x3"}).error(), "--pkcs11-slot: invalid value");
  auto options = with({"--pkcs11-key-label", "k", "--pkcs11-token-label", "t", "--pkcs11-pin-file", "/pin", "--pkcs11-create-key"});
  ASSERT_TRUE(options) << options.error();
  EXPECT_EQ(options->pkcs11_token_label, "t");
  EXPECT_EQ(options->pkcs11_key_label, "k");
  EXPECT_EQ(options->pkcs11_pin_file, "/pin");
  EXPECT_TRUE(options->pkcs11_create_key);
}

TEST(ParseOptions, ThePinIsNoFlag) {
  EXPECT_EQ(parse_options({"--pkcs11-pin", "1234"}, env({})).error(), "unknown flag --pkcs11-pin");
}

TEST(ParseDuration, ReadsGoStyleDurations) {
  std::chrono::milliseconds d{};
  ASSERT_TRUE(parse_duration("1h30m", d));
  EXPECT_EQ(d, 90min);
  ASSERT_TRUE(parse_duration("0", d));
  EXPECT_EQ(d, 0ms);
  EXPECT_FALSE(parse_duration("10", d));
  EXPECT_FALSE(parse_duration("", d));
  EXPECT_FALSE(parse_duration("5d", d));
}

}  // namespace
}  // namespace dragops::op
