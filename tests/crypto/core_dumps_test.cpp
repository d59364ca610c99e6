#include "crypto/core_dumps.hpp"

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>

namespace dragops::crypto {
namespace {

// Runs body in a forked child (so the test process keeps its own limits) and returns its
// wait status. The child exits 0 when every check in body held, 1 otherwise.
template <typename Body>
int in_child(Body body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(CoreDumps, AreForbiddenAfterTheCall) {
  const int status = in_child([] {
    // Start from a process that could dump, so the check below can tell the difference.
    const rlimit some{1 << 20, 1 << 20};
    setrlimit(RLIMIT_CORE, &some);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (core_dumps_forbidden()) return false;
    return forbid_core_dumps() == 0 && core_dumps_forbidden();
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(CoreDumps, AreNotWrittenWhenTheProcessCrashesAfterwards) {
  char dir[] = "/tmp/dragops-core-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const int status = in_child([&dir] {
    const rlimit some{1 << 30, 1 << 30};  // as if the environment allowed core files
    setrlimit(RLIMIT_CORE, &some);
    if (chdir(dir) != 0 || forbid_core_dumps() != 0) return false;
    std::signal(SIGABRT, SIG_DFL);
    std::abort();
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
  EXPECT_FALSE(WCOREDUMP(status)) << "the kernel reports that the crashed child dumped core";
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "a file was written next to the crashed child";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dragops::crypto
