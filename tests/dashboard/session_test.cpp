#include "session.hpp"

#include <gtest/gtest.h>

namespace dragops::dashboard {
namespace {

struct FakeClock {
  SteadyClock::time_point now{};
  SessionStore::Now fn() {
    return [this] { return now; };
  }
};

TEST(SessionStore, IdsAreLongRandomAndFindTheirSession) {
  FakeClock clock;
  SessionStore store({}, clock.fn());
  auto a = store.create(crypto::SecretBytes::from_string("token-a"), "alice");
  auto b = store.create(crypto::SecretBytes::from_string("token-b"), "bob");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  auto found = store.find(a);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->token.view(), "token-a");
  EXPECT_FALSE(store.find("0000000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_FALSE(store.find(""));
  EXPECT_FALSE(store.find(a.substr(0, 63)));
}

TEST(SessionStore, EndsAfterIdleTimeout) {
  FakeClock clock;
  SessionStore store({.idle_timeout = std::chrono::seconds(60), .max_age = std::chrono::seconds(3600)}, clock.fn());
  auto id = store.create(crypto::SecretBytes::from_string("t"), "u");
  clock.now += std::chrono::seconds(59);
  EXPECT_TRUE(store.find(id));   // restarts the idle timer
  clock.now += std::chrono::seconds(59);
  EXPECT_TRUE(store.find(id));
  clock.now += std::chrono::seconds(60);
  EXPECT_FALSE(store.find(id));
  EXPECT_EQ(store.size(), 0u);
}

TEST(SessionStore, EndsAtMaxAgeHoweverActive) {
  FakeClock clock;
  SessionStore store({.idle_timeout = std::chrono::seconds(60), .max_age = std::chrono::seconds(150)}, clock.fn());
  auto id = store.create(crypto::SecretBytes::from_string("t"), "u");
  for (int i = 0; i < 4; ++i) {
    clock.now += std::chrono::seconds(30);
    EXPECT_TRUE(store.find(id));
  }
  EXPECT_EQ(store.remaining(id), std::chrono::seconds(30));
  clock.now += std::chrono::seconds(30);
  EXPECT_FALSE(store.find(id));
}

TEST(SessionStore, SignOutRemoves) {
  SessionStore store;
  auto id = store.create(crypto::SecretBytes::from_string("t"), "u");
  store.remove(id);
  EXPECT_FALSE(store.find(id));
}

TEST(SessionStore, IsBoundedDroppingTheOldest) {
  FakeClock clock;
  SessionStore store({.max_sessions = 2}, clock.fn());
  auto first = store.create(crypto::SecretBytes::from_string("1"), "u1");
  clock.now += std::chrono::seconds(1);
  auto second = store.create(crypto::SecretBytes::from_string("2"), "u2");
  clock.now += std::chrono::seconds(1);
  auto third = store.create(crypto::SecretBytes::from_string("3"), "u3");
  EXPECT_FALSE(store.find(first));
  EXPECT_TRUE(store.find(second));
  EXPECT_TRUE(store.find(third));
}

TEST(SessionStore, KeysAreHashedIds) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace dragops::dashboard
