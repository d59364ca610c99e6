#include "oauth/token_items.hpp"

#include "oauth/time_format.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;

const SystemTime kT0 = SystemTime(std::chrono::seconds(1'800'000'000));

TokenSet issued() {
  TokenSet tokens;
  tokens.access_token = crypto::SecretBytes::from_string("at-1");
  tokens.refresh_token = crypto::SecretBytes::from_string("rt-1");
  tokens.scope = "openid offline_access";
  tokens.obtained_at = kT0;
  tokens.expires_at = kT0 + 3600s;
  return tokens;
}

TEST(TokenItems, CarryTheIssueTimeSoTheLifetimeIsKnown) {
  TokenItems items;
  put_token_items(issued(), items);
  const auto read = token_set_from_items(items, expires_at_annotation(issued()));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->obtained_at, kT0);
  EXPECT_EQ(read->lifetime(), 3600s);
}

TEST(TokenItems, LeaveTheLifetimeUnknownWhenNoIssueTimeIsStored) {
  // What the operator seals for a credentialsRef bootstrap: tokens and expiry, no obtained_at.
  TokenItems items;
  items.emplace(std::string(kAccessTokenItem), crypto::SecretBytes::from_string("at-1"));
  items.emplace(std::string(kRefreshTokenItem), crypto::SecretBytes::from_string("rt-1"));
  const auto read = token_set_from_items(items, format_rfc3339(kT0 + 3600s));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->expires_at, kT0 + 3600s);
  EXPECT_FALSE(read->obtained_at) << "an invented issue time would invent a lifetime";
  EXPECT_FALSE(read->lifetime());
}

TEST(TokenItems, DropAStaleIssueTimeWhenTheNewTokensHaveNone) {
  TokenItems items;
  put_token_items(issued(), items);
  TokenSet unknown = issued();
  unknown.obtained_at.reset();
  put_token_items(unknown, items);
  EXPECT_FALSE(items.contains(kObtainedAtItem));
}

TEST(TokenItems, RefuseAnIssueTimeThatDoesNotParse) {
  TokenItems items;
  put_token_items(issued(), items);
  items.insert_or_assign(std::string(kObtainedAtItem), crypto::SecretBytes::from_string("yesterday"));
  EXPECT_FALSE(token_set_from_items(items, format_rfc3339(kT0 + 3600s)));
}

}  // namespace
}  // namespace dragops::oauth
