#include "apiserver/protobuf_body.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <string>

namespace dragops::apiserver {
namespace {

// A minimal protobuf writer: length-delimited and varint fields, as client-go encodes them.
std::string varint(std::uint64_t v) {
  std::string out;
  do {
    auto byte = static_cast<char>(v & 0x7f);
    v >>= 7;
    if (v != 0) byte = static_cast<char>(byte | 0x80);
    out += byte;
  } while (v != 0);
  return out;
}
std::string bytes_field(std::uint32_t number, const std::string& value) {
  return varint(number << 3 | 2) + varint(value.size()) + value;
}
std::string varint_field(std::uint32_t number, std::uint64_t value) { return varint(number << 3) + varint(value); }

std::string envelope(const std::string& api_version, const std::string& kind, const std::string& raw) {
  return std::string("k8s\0", 4) + bytes_field(1, bytes_field(1, api_version) + bytes_field(2, kind)) + bytes_field(2, raw);
}

TEST(ProtobufBody, DecodesTheDeleteOptionsHelmSendsWithADelete) {
  const std::string options = varint_field(1, 0) +
                              bytes_field(2, bytes_field(1, "uid-7") + bytes_field(2, "42")) +
                              bytes_field(4, "Foreground") + bytes_field(5, "All");
  auto decoded = protobuf_to_json(envelope("meta.k8s.io/v1", "DeleteOptions", options));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, boost::json::parse(R"({"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions",
      "gracePeriodSeconds":0,"preconditions":{"uid":"uid-7","resourceVersion":"42"},
      "propagationPolicy":"Foreground","dryRun":["All"]})"));
}

TEST(ProtobufBody, DecodesOrphanDependentsAndAnEmptyDeleteOptions) {
  auto orphan = protobuf_to_json(envelope("v1", "DeleteOptions", varint_field(3, 1)));
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->at("orphanDependents"), true);
  auto empty = protobuf_to_json(envelope("v1", "DeleteOptions", ""));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, boost::json::parse(R"({"apiVersion":"v1","kind":"DeleteOptions"})"));
}

TEST(ProtobufBody, RefusesATruncatedBodyAndKindsItDoesNotKnow) {
  auto body = envelope("v1", "DeleteOptions", bytes_field(4, "Background"));
  auto truncated = protobuf_to_json(body.substr(0, body.size() - 3));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, 400);
  auto unknown = protobuf_to_json(envelope("apps/v1", "Deployment", ""));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, 415);
}

}  // namespace
}  // namespace dragops::apiserver
