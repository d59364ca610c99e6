#include "audit_log.hpp"

#include "json_text.hpp"

#include "common/log.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace dragops::sidecar {

AuditLog::AuditLog(Sink sink, std::chrono::milliseconds flush_every, std::size_t flush_bytes)
    : sink_(sink ? std::move(sink) : Sink([](std::string_view lines) { log::write_lines(lines); })),
      flush_every_(flush_every),
      flush_bytes_(flush_bytes) {
  buffer_.reserve(flush_bytes_ + 512);
  out_.reserve(flush_bytes_ + 512);
  flusher_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  flusher_.join();
  flush();
}

// The timestamp as log.cpp prints it ("2026-01-02T03:04:05.678Z"); the part up to the second is
// formatted once per second.
void AuditLog::append_timestamp(std::chrono::system_clock::time_point now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t second = ms / 1000;
  if (second != second_) {
    const std::time_t t = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::snprintf(second_text_, sizeof second_text_, "%04d-%02d-%02dT%02d:%02d:%02d.", (tm.tm_year + 1900) % 10000,
                  (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
    second_ = second;
  }
  buffer_ += second_text_;
  const int millis = static_cast<int>(ms % 1000);
  buffer_.push_back(static_cast<char>('0' + millis / 100));
  buffer_.push_back(static_cast<char>('0' + millis / 10 % 10));
  buffer_.push_back(static_cast<char>('0' + millis % 10));
  buffer_.push_back('Z');
}

void AuditLog::write(const AuditRecord& record) {
  if (log::level() > log::Level::info) return;
  const auto now = std::chrono::system_clock::now();
  std::unique_lock lock(mutex_);
  const bool was_empty = buffer_.empty();
  buffer_ += R"({"ts":")";
  append_timestamp(now);
  buffer_ += R"(","level":"info","msg":"audit","pod":)";
  append_json_string(buffer_, record.pod);
  buffer_ += R"(,"namespace":)";
  append_json_string(buffer_, record.pod_namespace);
  buffer_ += R"(,"route":)";
  append_json_string(buffer_, record.route);
  buffer_ += R"(,"item":)";
  append_json_string(buffer_, record.item);
  buffer_ += R"(,"status":)";
  char status[16];
  const auto [end, ec] = std::to_chars(status, status + sizeof status, record.status);
  buffer_.append(status, ec == std::errc() ? end : status);
  buffer_ += R"(,"outcome":)";
  append_json_string(buffer_, record.outcome);
  buffer_ += R"(,"component":"sidecar"})";
  buffer_.push_back('\n');
  if (buffer_.size() >= flush_bytes_) return flush_locked(lock);
  lock.unlock();
  if (was_empty) wake_.notify_one();   // the flusher starts the clock for this batch
}

void AuditLog::flush() {
  std::unique_lock lock(mutex_);
  flush_locked(lock);
}

// Hands the buffer to the sink outside mutex_, so requests keep appending while it writes.
// Returns with lock released, whether or not there was anything to write.
void AuditLog::flush_locked(std::unique_lock<std::mutex>& lock) {
  std::lock_guard sink_lock(sink_mutex_);
  if (buffer_.empty()) return lock.unlock();
  out_.clear();
  out_.swap(buffer_);
  lock.unlock();
  sink_(out_);
}

void AuditLog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait(lock, [this] { return stopping_ || !buffer_.empty(); });
    if (stopping_) break;
    // The oldest line in the buffer waits at most flush_every.
    if (wake_.wait_for(lock, flush_every_, [this] { return stopping_; })) break;
    flush_locked(lock);
    lock.lock();
  }
}

}  // namespace dragops::sidecar
