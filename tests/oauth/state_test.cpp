#include "oauth/state.hpp"

#include "oauth/encoding.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = SystemTime(std::chrono::seconds(1'800'000'000));

StateCodec codec(char fill = 'k') { return StateCodec(crypto::SecretBytes::from_string(std::string(32, fill)), 600s); }

UidLookup uid_is(std::string uid) {
  return [uid](std::string_view, std::string_view) { return std::optional<std::string>(uid); };
}

TEST(StateCodec, RoundTripsTheClaimsItIssued) {
  const auto c = codec();
  const IssuedState issued = c.issue("team-a", "github", "uid-1", kNow);
  EXPECT_TRUE(issued.token.starts_with("v1."));
  const auto claims = c.verify(issued.token, kNow + 10s);
  ASSERT_TRUE(claims) << to_string(claims.error());
  EXPECT_EQ(*claims, issued.claims);
  EXPECT_EQ(claims->namespace_, "team-a");
  EXPECT_EQ(claims->name, "github");
  EXPECT_EQ(claims->uid, "uid-1");
  EXPECT_EQ(claims->expires_at, kNow + 600s);
}

TEST(StateCodec, GivesEveryStateItsOwnNonce) {
  const auto c = codec();
  EXPECT_NE(c.issue("ns", "n", "u", kNow).claims.nonce, c.issue("ns", "n", "u", kNow).claims.nonce);
}

TEST(StateCodec, RejectsAStateSignedWithAnotherKeyAsBadSignature) {
  const auto token = codec('x').issue("ns", "n", "u", kNow).token;
  const auto claims = codec('k').verify(token, kNow);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error(), StateError::bad_signature);
}

TEST(StateCodec, RejectsAnyChangedPayloadAsBadSignature) {
  const auto c = codec();
  const std::string token = c.issue("ns", "n", "u", kNow).token;
  // Swap the payload for one naming another Connection, keeping the original MAC.
  const auto dot = token.rfind('.');
  const std::string forged_payload = c.sign(StateClaims{"ns", "other", "u", "nonce", kNow + 60s});
  const std::string forged = forged_payload.substr(0, forged_payload.rfind('.')) + token.substr(dot);
  const auto claims = c.verify(forged, kNow);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error(), StateError::bad_signature);
}

TEST(StateCodec, RejectsEverySingleCharacterChange) {
  const auto c = codec();
  const std::string token = c.issue("ns", "n", "u", kNow).token;
  for (std::size_t i = 3; i < token.size(); ++i) {
    std::string changed = token;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(c.verify(changed, kNow)) << "position " << i;
  }
}

TEST(StateCodec, RejectsAnExpiredState) {
  const auto c = codec();
  const auto token = c.issue("ns", "n", "u", kNow).token;
  EXPECT_TRUE(c.verify(token, kNow + 599s));
  const auto claims = c.verify(token, kNow + 600s);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error(), StateError::expired);
}

TEST(StateCodec, RejectsGarbageAsMalformed) {
  const auto c = codec();
  for (const std::string_view bad : {"", "v1.", "v1.abc", "v2.abc.def", "v1.!!!.abc", "nope"}) {
    const auto claims = c.verify(bad, kNow);
    ASSERT_FALSE(claims) << bad;
    EXPECT_EQ(claims.error(), StateError::malformed) << bad;
  }
}

TEST(StateCodec, RefusesAShortKey) {
  EXPECT_THROW(StateCodec(crypto::SecretBytes::from_string(std::string(31, 'k'))), std::invalid_argument);
}

TEST(AcceptState, AcceptsAFreshStateOnce) {
  const auto c = codec();
  InMemoryReplayCache cache;
  const auto token = c.issue("ns", "n", "uid-1", kNow).token;
  EXPECT_TRUE(accept_state(c, token, kNow, uid_is("uid-1"), cache));
  const auto again = accept_state(c, token, kNow + 1s, uid_is("uid-1"), cache);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), StateError::replayed);
}

TEST(AcceptState, RejectsAStateForARecreatedConnectionAsWrongUid) {
  const auto c = codec();
  InMemoryReplayCache cache;
  const auto token = c.issue("ns", "n", "uid-old", kNow).token;
  const auto claims = accept_state(c, token, kNow, uid_is("uid-new"), cache);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error(), StateError::wrong_uid);
  EXPECT_EQ(cache.size(), 0u) << "a rejected state must not burn its nonce";
}

TEST(AcceptState, RejectsAStateForADeletedConnection) {
  const auto c = codec();
  InMemoryReplayCache cache;
  const auto token = c.issue("ns", "n", "uid", kNow).token;
  const auto claims = accept_state(c, token, kNow, [](auto, auto) { return std::optional<std::string>(); }, cache);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error(), StateError::unknown_connection);
}

TEST(AcceptState, ChecksTheSignatureBeforeLookingUpTheConnection) {
  const auto token = codec('x').issue("ns", "n", "uid", kNow).token;
  InMemoryReplayCache cache;
  bool looked_up = false;
  const auto claims = accept_state(codec('k'), token, kNow,
                                   [&](auto, auto) {
                                     looked_up = true;
                                     return std::optional<std::string>("uid");
                                   },
                                   cache);
  EXPECT_FALSE(claims);
  EXPECT_FALSE(looked_up);
}

TEST(InMemoryReplayCache, ForgetsNoncesOnceTheirStateHasExpired) {
  InMemoryReplayCache cache;
  EXPECT_TRUE(cache.try_consume("a", kNow + 10s, kNow));
  EXPECT_FALSE(cache.try_consume("a", kNow + 10s, kNow + 5s));
  EXPECT_TRUE(cache.try_consume("b", kNow + 100s, kNow + 11s));
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace dragops::oauth
