#pragma once
// Small helpers over Boost.JSON for the API server: checked access along paths, time stamps,
// identifiers and base64.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::apiserver {

namespace json = boost::json;

// The value at a dotted path of object keys ("metadata.name"), or nullptr.
const json::value* find_path(const json::object& root, std::string_view dotted);
// The string at a dotted path, or "" if absent or not a string.
std::string string_at(const json::object& root, std::string_view dotted);
// The strings of the array at `key` (non-strings skipped); empty if absent or not an array.
std::vector<std::string> strings_at(const json::object& object, std::string_view key);
// The object at `key`, created if absent (replacing a non-object).
json::object& ensure_object(json::object& parent, std::string_view key);

const json::object& empty_object();
const json::object& object_or_empty(const json::object& parent, std::string_view key);

std::string to_json(const json::value& v);
// A value as kube prints it in a field error: strings quoted, others as JSON.
std::string value_repr(const json::value& v);

// RFC 3339 with second precision, UTC: "2024-01-02T03:04:05Z".
std::string rfc3339(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);
// kube's duration.HumanDuration as `kubectl get` prints AGE.
std::string human_duration(std::chrono::seconds d);

std::string new_uid();
std::string random_suffix(std::size_t length);  // generateName suffix alphabet

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// Structural equality (Boost.JSON compares int64/uint64/double by type; this compares numbers
// by value so 1 and 1.0 from different decoders are equal).
bool json_equal(const json::value& a, const json::value& b);

// Non-throwing numeric reads of values that came from outside (Boost.JSON's to_number<int>
// throws on 1.5 or -1 for unsigned): clamped, truncated, `fallback` for non-numbers.
std::int64_t int_of(const json::value& v, std::int64_t fallback = 0);
std::uint64_t count_of(const json::value& v);

}  // namespace dragops::apiserver
