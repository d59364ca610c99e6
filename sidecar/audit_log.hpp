#pragma once
// The sidecar's audit log: one JSON line per API request (who, what, outcome; never a value or
// the token), the same line log::info("audit", ...) would print, formatted straight into a
// buffer and written in batches instead of one write(2) per request.
//
// A line is buffered for at most flush_every (a background thread flushes it) or until the
// buffer holds flush_bytes; flush() and the destructor write what is left, so a clean shutdown
// (SIGTERM: main stops the servers, then the log flushes) loses nothing. A crash loses at most
// the lines of the last flush_every. The buffer holds names and codes only.

#include "api_handler.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace dragops::sidecar {

class AuditLog {
 public:
  // Where batches go: by default log::write_lines (stderr, never interleaved with other lines).
  using Sink = std::function<void(std::string_view lines)>;

  explicit AuditLog(Sink sink = {}, std::chrono::milliseconds flush_every = std::chrono::milliseconds(200),
                    std::size_t flush_bytes = 16 * 1024);
  ~AuditLog();   // stops the flusher and flushes
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends the record's line (if the log level lets info lines through).
  void write(const AuditRecord& record);
  // Writes every buffered line now.
  void flush();

 private:
  void append_timestamp(std::chrono::system_clock::time_point now);
  void flush_locked(std::unique_lock<std::mutex>& lock);   // unlocks
  void run();

  Sink sink_;
  std::chrono::milliseconds flush_every_;
  std::size_t flush_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string buffer_;
  std::string out_;          // the batch being written (swapped with buffer_)
  std::mutex sink_mutex_;    // batches reach the sink in order
  std::int64_t second_ = -1;
  char second_text_[48] = {};   // "YYYY-MM-DDTHH:MM:SS." of second_ (room for any int: -Wformat-truncation)
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace dragops::sidecar
