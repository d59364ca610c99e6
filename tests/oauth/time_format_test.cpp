#include "oauth/time_format.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono;

TEST(TimeFormat, WritesKubernetesTimeAndMicroTime) {
  const auto t = system_clock::time_point(seconds(1'767'323'045)) + microseconds(123'456);
  EXPECT_EQ(format_rfc3339(t), "2026-01-02T03:04:05Z");
  EXPECT_EQ(format_micro_time(t), "2026-01-02T03:04:05.123456Z");
}

TEST(TimeFormat, ParsesWhatItWritesAndOffsets) {
  const auto t = system_clock::time_point(seconds(1'767'323'045)) + microseconds(123'456);
  EXPECT_EQ(parse_rfc3339(format_micro_time(t)), t);
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05Z"), system_clock::time_point(seconds(1'767'323'045)));
  EXPECT_EQ(parse_rfc3339("2026-01-02T05:04:05+02:00"), system_clock::time_point(seconds(1'767'323'045)));
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.5Z"),
            system_clock::time_point(seconds(1'767'323'045)) + milliseconds(500));
}

TEST(TimeFormat, RejectsWhatIsNotRfc3339) {
  for (const std::string_view bad : {"", "2026-01-02", "2026-01-02T03:04:05", "2026-13-02T03:04:05Z",
                                     "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05Zjunk", "yesterday"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
  }
}

}  // namespace
}  // namespace dragops::oauth
