#include "kube/retry.hpp"

#include <gtest/gtest.h>

namespace dragops::kube {
namespace {

Result<int> conflict() { return Status{409, "Conflict", "the object has been modified"}; }

TEST(RetryOnConflict, RetriesUntilTheUpdateGoesThrough) {
  int calls = 0;
  std::vector<std::chrono::milliseconds> pauses;
  auto result = retry_on_conflict([&]() -> Result<int> { return ++calls < 3 ? conflict() : Result<int>(boost::system::in_place_value, 7); },
                                  kDefaultRetry, [&](std::chrono::milliseconds d) { pauses.push_back(d); });
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 7);
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(pauses.size(), 2u);
  for (auto d : pauses) {
    EXPECT_GE(d.count(), 10);
    EXPECT_LE(d.count(), 11);
  }
}

TEST(RetryOnConflict, GivesUpAfterTheLastStep) {
  int calls = 0;
  auto result = retry_on_conflict([&] { ++calls; return conflict(); }, kDefaultRetry, [](auto) {});
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().conflict());
  EXPECT_EQ(calls, 5);
}

TEST(RetryOnConflict, DoesNotRetryOtherErrors) {
  int calls = 0;
  auto result = retry_on_conflict([&]() -> Result<int> { ++calls; return Status{404, "NotFound", "gone"}; },
                                  kDefaultRetry, [](auto) {});
  EXPECT_FALSE(result);
  EXPECT_EQ(calls, 1);
}

TEST(RetryOnConflict, GrowsThePauseByTheFactor) {
  std::vector<std::chrono::milliseconds> pauses;
  RetryPolicy policy = kDefaultBackoff;
  policy.jitter = 0;
  (void)retry_on_conflict([] { return conflict(); }, policy, [&](auto d) { pauses.push_back(d); });
  EXPECT_EQ(pauses, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(10), std::chrono::milliseconds(50),
                                                             std::chrono::milliseconds(250)}));
}

}  // namespace
}  // namespace dragops::kube
