#include "http/client.hpp"

#include "client_test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace dragops::http {
namespace {

using testing::Reply;
using testing::TestServer;
using namespace std::chrono_literals;

// Lets a test release the server's chunks one at a time.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  int released = 0;
  bool closed = false;

  void release() {
    std::lock_guard lock(mutex);
    ++released;
    cv.notify_all();
  }
  void close() {
    std::lock_guard lock(mutex);
    closed = true;
    cv.notify_all();
  }
  bool wait(int n) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 10s, [&] { return released >= n || closed; });
    return released >= n && !closed;
  }
};

TEST(HttpClientStream, DeliversEachChunkBeforeTheNextIsSent) {
  Gate gate;
  TestServer server([&](const auto&, Reply& reply) {
    reply.start_chunks(200);
    for (int i = 1; i <= 3; ++i) {
      if (!gate.wait(i)) return reply.close_after();
      reply.chunk("part" + std::to_string(i) + "\n");
    }
    reply.end_chunks();
  });
  auto client = *Client::create();
  std::vector<std::string> seen;
  gate.release();
  auto response = client->stream({"GET", server.url("/watch"), {}, "", {}},
                                 [&](std::string_view bytes) {
                                   seen.emplace_back(bytes);
                                   gate.release();  // the next chunk only goes out after this one arrived
                                   return true;
                                 },
                                 {});
  gate.close();
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(seen, (std::vector<std::string>{"part1\n", "part2\n", "part3\n"}));
}

TEST(HttpClientStream, StopsPromptlyWhenStopIsRequested) {
  Gate gate;
  TestServer server([&](const auto&, Reply& reply) {
    reply.start_chunks(200);
    reply.chunk("first\n");
    gate.wait(1);
    reply.close_after();
  });
  auto client = *Client::create();
  std::stop_source stop;
  std::thread stopper;
  const auto started = std::chrono::steady_clock::now();
  auto response = client->stream({"GET", server.url("/watch"), {}, "", {}},
                                 [&](std::string_view) {
                                   stopper = std::thread([&] { stop.request_stop(); });
                                   return true;
                                 },
                                 stop.get_token());
  const auto took = std::chrono::steady_clock::now() - started;
  stopper.join();
  gate.release();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientErrorKind::cancelled);
  EXPECT_LT(took, 5s);
}

TEST(HttpClientStream, GivesUpAfterTheIdleTimeout) {
  Gate gate;
  TestServer server([&](const auto&, Reply& reply) {
    reply.start_chunks(200);
    reply.chunk("only\n");
    gate.wait(1);
    reply.close_after();
  });
  auto client = *Client::create();
  auto response = client->stream({"GET", server.url("/watch"), {}, "", {}}, [](std::string_view) { return true; },
                                 {}, 300ms);
  gate.release();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientErrorKind::timeout);
}

TEST(HttpClientStream, ReadsAnErrorStatusBodyWhole) {
  TestServer server([](const auto&, Reply& reply) { reply.send(410, R"({"kind":"Status","code":410})"); });
  auto client = *Client::create();
  bool called = false;
  auto response = client->stream({"GET", server.url("/watch"), {}, "", {}},
                                 [&](std::string_view) { return called = true; }, {});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 410);
  EXPECT_EQ(response->body, R"({"kind":"Status","code":410})");
  EXPECT_FALSE(called);
}

TEST(HttpClientStream, EndsWhenTheHandlerSaysSo) {
  TestServer server([](const auto&, Reply& reply) {
    reply.start_chunks(200);
    for (int i = 0; i < 100 && reply.chunk("x\n"); ++i) std::this_thread::sleep_for(1ms);
    reply.close_after();
  });
  auto client = *Client::create();
  int chunks = 0;
  auto response =
      client->stream({"GET", server.url("/watch"), {}, "", {}}, [&](std::string_view) { return ++chunks < 2; }, {});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(chunks, 2);
}

}  // namespace
}  // namespace dragops::http
