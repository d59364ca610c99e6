#pragma once
// Splits a watch response body, as it arrives in pieces of any size, into WatchEvents: one JSON
// object per line ({"type": ..., "object": {...}}).

#include "kube/api.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace dragops::kube {

class WatchDecoder {
 public:
  enum class Outcome { more, stopped, malformed };

  explicit WatchDecoder(std::size_t max_line_bytes = 32u << 20) : max_line_bytes_(max_line_bytes) {}

  // Delivers every complete line in bytes (plus what was buffered) to on_event. Stops at the
  // first event on_event refuses (stopped) or the first bad line (malformed; see error()).
  Outcome feed(std::string_view bytes, const std::function<bool(WatchEvent&&)>& on_event);

  // A last line without a trailing newline, when the stream ends.
  Outcome finish(const std::function<bool(WatchEvent&&)>& on_event);

  const std::string& error() const { return error_; }
  std::size_t buffered() const { return pending_.size(); }

 private:
  Outcome deliver(std::string_view line, const std::function<bool(WatchEvent&&)>& on_event);

  std::size_t max_line_bytes_;
  std::string pending_;
  std::string error_;
};

}  // namespace dragops::kube
