#pragma once
// RFC 3339 times as Kubernetes writes them: metav1.Time "2026-01-02T03:04:05Z" (annotations
// such as dragops.io/expires-at, status.expiresAt) and metav1.MicroTime
// "2026-01-02T03:04:05.000000Z" (Lease renewTime/acquireTime).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dragops::oauth {

std::string format_rfc3339(std::chrono::system_clock::time_point time);
std::string format_micro_time(std::chrono::system_clock::time_point time);
// Accepts "Z" or a +hh:mm/-hh:mm offset and an optional fraction of up to 9 digits.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace dragops::oauth
