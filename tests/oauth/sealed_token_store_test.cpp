#include "oauth/sealed_token_store.hpp"

#include "fake_api.hpp"
#include "fakes.hpp"
#include "oauth/refresh_coordinator.hpp"
#include "oauth/token_items.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::FakeClock;
using testing::RotatingProvider;

const store::Owner kOwner{store::Kind::connection, "team-a", "github", "uid-1"};

struct Rig {
  FakeClock clock;
  FakeApi api;
  std::shared_ptr<const crypto::Keyring> keyring = std::make_shared<crypto::Keyring>(crypto::Keyring::generate());
  RotatingProvider provider{clock, 3600s};
  SealedTokenStore tokens{api, kOwner, [this] { return keyring; }};

  void create(const TokenSet& initial, store::Owner owner = kOwner) {
    TokenItems items;
    items.emplace("instance_url", crypto::SecretBytes::from_string("https://acme.example"));
    put_token_items(initial, items);
    create_items(items, expires_at_annotation(initial), owner);
  }
  void create_items(const TokenItems& items, const std::string& expires_at, store::Owner owner = kOwner) {
    store::Store s;
    s.owner = owner;
    s.key_version = keyring->primary();
    s.pack = "github";
    s.auth_type = "oauth2";
    s.expires_at = expires_at;
    s.token_field = "access_token";
    s.serial = 5;
    s.generation = 3;
    s.envelopes = store::seal_items(*keyring, owner, items);
    ASSERT_TRUE(api.create(kube::gvr::secrets(), owner.namespace_, store::build_store_object(s, *keyring)));
  }
  boost::json::object raw() {
    auto object = api.get(kube::gvr::secrets(), "team-a", "dragops-conn-github");
    return object ? *object : boost::json::object{};
  }
};

TEST(SealedTokenStore, ReadsTheTokensTheOperatorSealed) {
  Rig rig;
  const TokenSet initial = rig.provider.issue_initial();
  rig.create(initial);
  const auto read = rig.tokens.read();
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->tokens.access_token.equals(initial.access_token));
  EXPECT_TRUE(read->tokens.refresh_token.equals(initial.refresh_token));
  EXPECT_EQ(read->tokens.expires_at, initial.expires_at);
  EXPECT_EQ(read->tokens.obtained_at, initial.obtained_at);
  EXPECT_FALSE(read->resource_version.empty());
}

TEST(SealedTokenStore, WritesSealedTokensAndKeepsThePackFields) {
  Rig rig;
  rig.create(rig.provider.issue_initial());
  const auto before = rig.tokens.read().value();
  TokenSet fresh = rig.provider.issue_initial();
  fresh.access_token = crypto::SecretBytes::from_string("CANARY-access-5150");
  const auto rv = rig.tokens.write(fresh, before.resource_version);
  ASSERT_TRUE(rv);
  EXPECT_NE(*rv, before.resource_version);

  const auto object = rig.raw();
  EXPECT_EQ(boost::json::serialize(object).find("CANARY"), std::string::npos) << "tokens are sealed at rest";
  const auto parsed = store::parse_store(object);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->expires_at, expires_at_annotation(fresh));
  EXPECT_EQ(parsed->generation, 3);
  const auto items = store::open_items(*parsed, *rig.keyring);
  ASSERT_TRUE(items);
  EXPECT_EQ(items->at("instance_url").view(), "https://acme.example");
  EXPECT_EQ(items->at("access_token").view(), "CANARY-access-5150");
  EXPECT_TRUE(rig.tokens.read()->tokens.access_token.equals(fresh.access_token));
}

TEST(SealedTokenStore, RefusesAWriteAtAStaleResourceVersion) {
  Rig rig;
  rig.create(rig.provider.issue_initial());
  const auto before = rig.tokens.read().value();
  ASSERT_TRUE(rig.tokens.write(before.tokens, before.resource_version));
  const auto stale = rig.tokens.write(before.tokens, before.resource_version);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), StoreError::conflict);
}

TEST(SealedTokenStore, TreatsAStoreOfARecreatedConnectionAsNotFound) {
  Rig rig;
  rig.create(rig.provider.issue_initial(), store::Owner{store::Kind::connection, "team-a", "github", "uid-old"});
  const auto read = rig.tokens.read();
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), StoreError::not_found);
}

TEST(SealedTokenStore, ReportsAnUnreachableApiAsUnavailable) {
  Rig rig;
  rig.create(rig.provider.issue_initial());
  rig.api.set_down(true);
  EXPECT_EQ(rig.tokens.read().error(), StoreError::unavailable);
}

TEST(SealedTokenStore, CarriesTheCoordinatorsRefreshesSealed) {
  Rig rig;
  rig.create(rig.provider.issue_initial());
  CoordinatorOptions o;
  o.lease.holder_identity = "pod-a";
  RefreshCoordinator coordinator(rig.tokens, rig.provider, rig.api, rig.clock, [] { return 0.5; }, "team-a",
                                 "github", o);
  for (int i = 0; i < 3; ++i) {
    rig.clock.advance(3600s);
    const auto outcome = coordinator.refresh_if_due();
    ASSERT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  }
  EXPECT_EQ(rig.tokens.read()->tokens.refresh_token.view(), "rt-4");
  EXPECT_EQ(rig.provider.reuse_detected(), 0);
}

// A Connection bootstrapped from a credentialsRef Secret: the operator seals access_token,
// refresh_token and the expiry, but no obtained_at (nobody knows when the token was issued).
TEST(SealedTokenStore, TokensBootstrappedWithoutAnIssueTimeAreRefreshedAtOnce) {
  Rig rig;
  const TokenSet initial = rig.provider.issue_initial();   // expires in an hour
  TokenItems items;
  items.emplace(std::string(kAccessTokenItem), initial.access_token);
  items.emplace(std::string(kRefreshTokenItem), initial.refresh_token);
  rig.create_items(items, expires_at_annotation(initial));
  CoordinatorOptions o;
  o.lease.holder_identity = "pod-a";
  RefreshCoordinator coordinator(rig.tokens, rig.provider, rig.api, rig.clock, [] { return 0.5; }, "team-a",
                                 "github", o);
  const auto first = coordinator.refresh_if_due();
  EXPECT_EQ(first.result, RefreshResult::refreshed) << "lifetime unknown: due at once, not at expiry; " << first.message;
  EXPECT_EQ(rig.provider.refreshes(), 1);
  // From then on the lifetime is known and the usual skew applies (3600 s: 360 s + 45 s jitter).
  const auto second = coordinator.refresh_if_due();
  EXPECT_EQ(second.result, RefreshResult::not_due);
  EXPECT_EQ(second.next_check, rig.clock.now() + 3600s - 405s);
  EXPECT_EQ(rig.provider.refreshes(), 1);
}

}  // namespace
}  // namespace dragops::oauth
