// Two candidate processes (kube_elector_child) elect a leader over the local API server; the
// survivor takes over after the leader is SIGKILLed, and a SIGTERMed leader releases the lease.
#include "kube/leader_election.hpp"

#include "live_server.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

extern char** environ;

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kLeaseMs = 2000;
constexpr int kRenewMs = 1500;
constexpr int kRetryMs = 300;

// A child process whose stdout we read line by line.
class Candidate {
 public:
  Candidate(const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    fd_ = fds[0];
  }
  ~Candidate() {
    signal(SIGKILL);
    wait();
    if (fd_ >= 0) ::close(fd_);
  }

  int fd() const { return fd_; }
  pid_t pid() const { return pid_; }
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  int wait() {
    if (pid_ <= 0) return exit_;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_;
  }
  // Reads what is available; returns complete lines.
  std::vector<std::string> read_lines() {
    char buf[512];
    const auto n = ::read(fd_, buf, sizeof buf);
    if (n > 0) pending_.append(buf, static_cast<std::size_t>(n));
    if (n == 0) closed_ = true;
    std::vector<std::string> lines;
    for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
      lines.push_back(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
    }
    return lines;
  }
  bool closed() const { return closed_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  int exit_ = -1;
  bool closed_ = false;
  std::string pending_;
};

struct Line {
  int candidate;
  std::string text;
  Clock::time_point at;
};

// Waits for a line starting with prefix from any candidate; collects every line into seen.
std::optional<Line> wait_for_line(std::vector<Candidate*> candidates, const std::string& prefix,
                                  std::chrono::milliseconds timeout, std::vector<Line>& seen) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::vector<pollfd> fds;
    for (auto* c : candidates) fds.push_back({c->closed() ? -1 : c->fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 50);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      for (auto& text : candidates[i]->read_lines()) {
        seen.push_back({static_cast<int>(i), text, Clock::now()});
        if (text.rfind(prefix, 0) == 0) return seen.back();
      }
    }
  }
  return std::nullopt;
}

TEST(LeaderElectionLive, TheSurvivorTakesOverWithinTheLeaseAfterTheLeaderIsKilled) {
  dragops::testing::ApiServerProcess server;
  server.start();
  auto api = testing::api_for(server);
  const auto ns = testing::fresh_namespace(*api, "election");
  auto argv = [&](const std::string& identity) {
    return std::vector<std::string>{DRAGOPS_ELECTOR_CHILD, server.kubeconfig_path().string(), ns, "operator-lock",
                                    identity, std::to_string(kLeaseMs), std::to_string(kRenewMs),
                                    std::to_string(kRetryMs)};
  };
  Candidate a(argv("candidate-a"));
  Candidate b(argv("candidate-b"));
  std::vector<Candidate*> both{&a, &b};
  std::vector<Line> seen;

  auto first = wait_for_line(both, "LEADING", 15s, seen);
  ASSERT_TRUE(first) << "no candidate became leader";
  Candidate& leader = first->candidate == 0 ? a : b;
  Candidate& follower = first->candidate == 0 ? b : a;
  const std::string leader_id = first->text.substr(std::string("LEADING ").size());

  // For two lease durations, the follower must not lead too.
  auto second = wait_for_line({&follower}, "LEADING", std::chrono::milliseconds(2 * kLeaseMs), seen);
  ASSERT_FALSE(second) << "two leaders at once";
  auto lease = api->get(gvr::leases(), ns, "operator-lock");
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease_record_of(*lease).holder_identity, leader_id);

  leader.signal(SIGKILL);
  const auto killed_at = Clock::now();
  leader.wait();
  auto takeover = wait_for_line({&follower}, "LEADING", 15s, seen);
  ASSERT_TRUE(takeover) << "the survivor never took over";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(takeover->at - killed_at);
  std::printf("leader election: takeover %lld ms after SIGKILL (lease %d ms, retry %d ms)\n",
              static_cast<long long>(took.count()), kLeaseMs, kRetryMs);
  // The survivor waits out the lease from when it last saw a renewal (at most one jittered
  // retry period before the kill), then takes over at its next try (at most 2.2 retry periods).
  EXPECT_GE(took.count(), kLeaseMs - 3 * kRetryMs);
  EXPECT_LE(took.count(), kLeaseMs + 3 * kRetryMs + 700) << "700 ms of slack for a loaded CI machine";
  auto record = lease_record_of(*api->get(gvr::leases(), ns, "operator-lock"));
  EXPECT_NE(record.holder_identity, leader_id);
  EXPECT_GE(record.lease_transitions, 1);

  // A clean stop releases the lease at once.
  follower.signal(SIGTERM);
  EXPECT_EQ(follower.wait(), 0);
  auto released = lease_record_of(*api->get(gvr::leases(), ns, "operator-lock"));
  EXPECT_EQ(released.holder_identity, "");
  EXPECT_EQ(released.lease_duration_seconds, 1);
}

}  // namespace
}  // namespace dragops::kube
