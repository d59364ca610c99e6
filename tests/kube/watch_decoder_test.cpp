#include "kube/watch_decoder.hpp"

#include <gtest/gtest.h>

namespace dragops::kube {
namespace {

const std::string kStream =
    R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"2"},"data":{"k":"line\nbreak"}}})"
    "\r\n"
    R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}})"
    "\n";

std::vector<std::string> types_of(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

TEST(WatchDecoder, ParsesAStreamFedByteByByte) {
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  for (char c : kStream) {
    ASSERT_EQ(decoder.feed(std::string_view(&c, 1), [&](WatchEvent&& e) {
      events.push_back(std::move(e));
      return true;
    }), WatchDecoder::Outcome::more);
  }
  EXPECT_EQ(types_of(events), (std::vector<std::string>{"ADDED", "MODIFIED", "BOOKMARK"}));
  EXPECT_EQ(events[1].object.at("data").at("k").as_string(), "line\nbreak");
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(WatchDecoder, ParsesEverySplitOfTheStream) {
  for (std::size_t split = 0; split <= kStream.size(); ++split) {
    WatchDecoder decoder;
    int count = 0;
    auto count_events = [&](WatchEvent&&) { return ++count > 0; };
    decoder.feed(std::string_view(kStream).substr(0, split), count_events);
    decoder.feed(std::string_view(kStream).substr(split), count_events);
    EXPECT_EQ(count, 3) << "split at " << split;
  }
}

TEST(WatchDecoder, StopsWhenTheHandlerDeclines) {
  WatchDecoder decoder;
  int count = 0;
  EXPECT_EQ(decoder.feed(kStream, [&](WatchEvent&&) { return ++count < 2; }), WatchDecoder::Outcome::stopped);
  EXPECT_EQ(count, 2);
}

TEST(WatchDecoder, ReportsAMalformedLine) {
  WatchDecoder decoder;
  EXPECT_EQ(decoder.feed("{not json}\n", [](WatchEvent&&) { return true; }), WatchDecoder::Outcome::malformed);
  WatchDecoder second;
  EXPECT_EQ(second.feed(R"({"type":"ADDED"})" "\n", [](WatchEvent&&) { return true; }),
            WatchDecoder::Outcome::malformed);
  EXPECT_FALSE(second.error().empty());
}

TEST(WatchDecoder, RefusesALineBeyondTheLimit) {
  WatchDecoder decoder(16);
  EXPECT_EQ(decoder.feed(std::string(10, 'x'), [](WatchEvent&&) { return true; }), WatchDecoder::Outcome::more);
  EXPECT_EQ(decoder.feed(std::string(10, 'x'), [](WatchEvent&&) { return true; }), WatchDecoder::Outcome::malformed);
}

TEST(WatchDecoder, DeliversALastLineWithoutNewlineOnFinish) {
  WatchDecoder decoder;
  int count = 0;
  auto handler = [&](WatchEvent&&) { return ++count > 0; };
  decoder.feed(R"({"type":"DELETED","object":{}})", handler);
  EXPECT_EQ(count, 0);
  decoder.finish(handler);
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace dragops::kube
