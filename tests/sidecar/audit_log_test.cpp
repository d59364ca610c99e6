// AuditLog: one line per request in batches, the same fields log::info would print, flushed
// within its interval and by flush() and the destructor (a clean shutdown loses no line).

#include "audit_log.hpp"
#include "wait_for.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace dragops::sidecar {
namespace {

struct Batches {
  std::mutex mutex;
  std::vector<std::string> written;
  AuditLog::Sink sink() {
    return [this](std::string_view lines) {
      std::lock_guard lock(mutex);
      written.emplace_back(lines);
    };
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return written.size();
  }
  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& batch : written) out += batch;
    return out;
  }
};

AuditRecord record(std::string_view item, int status, std::string_view outcome) {
  AuditRecord r;
  r.pod_namespace = "team-a";
  r.pod = "run-\"7\"";
  r.route = "connection_token";
  r.item = item;
  r.status = status;
  r.outcome = outcome;
  return r;
}

TEST(AuditLog, WritesManyRequestsInOneBatchNotOneWriteEach) {
  Batches batches;
  {
    AuditLog log(batches.sink(), std::chrono::hours(1));
    for (int i = 0; i < 50; ++i) log.write(record("vt", 200, "ok"));
    EXPECT_EQ(batches.count(), 0u);   // old code: 50 writes, one per request
    log.flush();
    EXPECT_EQ(batches.count(), 1u);
  }
  const std::string text = batches.all();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 50);
}

TEST(AuditLog, WritesEachLineAsTheLogWouldWithItsFieldsInJson) {
  Batches batches;
  {
    AuditLog log(batches.sink(), std::chrono::hours(1));
    log.write(record("vt", 401, "unauthorized"));
  }
  const std::string line = batches.all();
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  const auto parsed = boost::json::parse(line).as_object();
  EXPECT_EQ(parsed.at("level").as_string(), "info");
  EXPECT_EQ(parsed.at("msg").as_string(), "audit");
  EXPECT_EQ(parsed.at("pod").as_string(), "run-\"7\"");
  EXPECT_EQ(parsed.at("namespace").as_string(), "team-a");
  EXPECT_EQ(parsed.at("route").as_string(), "connection_token");
  EXPECT_EQ(parsed.at("item").as_string(), "vt");
  EXPECT_EQ(parsed.at("status").as_int64(), 401);
  EXPECT_EQ(parsed.at("outcome").as_string(), "unauthorized");
  EXPECT_EQ(parsed.at("component").as_string(), "sidecar");
  const std::string ts(parsed.at("ts").as_string());
  ASSERT_EQ(ts.size(), 24u) << ts;   // 2026-01-02T03:04:05.678Z
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(AuditLog, FlushesABufferedLineWithinItsInterval) {
  Batches batches;
  AuditLog log(batches.sink(), std::chrono::milliseconds(20));
  log.write(record("vt", 200, "ok"));
  EXPECT_TRUE(testing::wait_for([&] { return batches.count() == 1; }, std::chrono::seconds(5)));
  log.write(record("vt", 200, "ok"));
  EXPECT_TRUE(testing::wait_for([&] { return batches.count() == 2; }, std::chrono::seconds(5)));
}

TEST(AuditLog, FlushesWhenTheBufferFillsUp) {
  Batches batches;
  AuditLog log(batches.sink(), std::chrono::hours(1), 1024);
  int written = 0;
  while (batches.count() == 0 && written < 100) {
    log.write(record("vt", 200, "ok"));
    ++written;
  }
  EXPECT_EQ(batches.count(), 1u);
  EXPECT_LT(written, 20);
}

TEST(AuditLog, KeepsFlushingOnItsIntervalAfterARequestFlushedAFullBuffer) {
  // The flusher wakes for a batch that a request has meanwhile written itself (buffer full):
  // it finds nothing to write and must go on waiting, not fail.
  Batches batches;
  AuditLog log(batches.sink(), std::chrono::milliseconds(30), 600);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 4; ++i) log.write(record("vt", 200, "ok"));
  }
  log.write(record("vt", 200, "ok"));
  const auto before = batches.count();
  EXPECT_TRUE(testing::wait_for([&] { return batches.count() > before; }, std::chrono::seconds(5)));
}

TEST(AuditLog, LosesNoLineOnDestructionEvenWhenRequestsRaceTheFlusher) {
  Batches batches;
  constexpr int kThreads = 4, kEach = 500;
  {
    AuditLog log(batches.sink(), std::chrono::milliseconds(1), 2048);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < kEach; ++i) log.write(record("vt", 200, "ok"));
      });
    for (auto& thread : threads) thread.join();
  }
  const std::string text = batches.all();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), kThreads * kEach);
  std::size_t start = 0;
  while (start < text.size()) {   // every line whole
    const auto end = text.find('\n', start);
    EXPECT_NO_THROW(boost::json::parse(std::string_view(text).substr(start, end - start)));
    start = end + 1;
  }
}

}  // namespace
}  // namespace dragops::sidecar
