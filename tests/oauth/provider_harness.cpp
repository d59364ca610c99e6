#include "provider_harness.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace dragops::oauth::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string run_setup(std::string& error) {
  const std::string command = std::string("bash '") + DRAGOPS_OAUTH_PROVIDER_SOURCE + "/setup.sh'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    error = "cannot run setup.sh";
    return {};
  }
  std::string output;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  if (status != 0) {
    error = "setup.sh failed (is the npm registry reachable?)";
    return {};
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const auto last = output.rfind('\n');
  return last == std::string::npos ? output : output.substr(last + 1);
}

}  // namespace

std::optional<ProviderProcess> ProviderProcess::start(const ProviderConfig& config, std::string& error,
                                                      std::chrono::seconds deadline) {
  const std::string install_dir = run_setup(error);
  if (install_dir.empty()) return std::nullopt;

  int fds[2];
  if (::pipe(fds) != 0) {
    error = "pipe failed";
    return std::nullopt;
  }
  const std::string script = std::string(DRAGOPS_OAUTH_PROVIDER_SOURCE) + "/server.mjs";
  const std::string ttl = std::to_string(config.access_token_ttl_seconds);
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = "fork failed";
    return std::nullopt;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::setenv("DRAGOPS_OAUTH_PROVIDER_DIR", install_dir.c_str(), 1);
    ::setenv("OAUTH_CLIENT_SECRET", config.client_secret.c_str(), 1);  // not in argv (ps)
    ::execlp("node", "node", script.c_str(), "--port", "0", "--access-token-ttl", ttl.c_str(), "--client-id",
             config.client_id.c_str(), "--redirect-uri", config.redirect_uri.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);

  ProviderProcess process(pid, fds[0], "", config);
  std::string line;
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    pollfd p{fds[0], POLLIN, 0};
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    char c = 0;
    const ssize_t n = ::read(fds[0], &c, 1);
    if (n <= 0) {
      error = "the provider exited before it was ready";
      return std::nullopt;
    }
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.starts_with("READY ")) {
      const auto at = line.find("issuer=");
      if (at == std::string::npos) break;
      process.issuer_ = line.substr(at + 7);
      return process;
    }
    line.clear();
  }
  error = "the provider did not print READY before the deadline";
  return std::nullopt;
}

ProviderProcess::ProviderProcess(ProviderProcess&& other) noexcept
    : pid_(other.pid_), stdout_fd_(other.stdout_fd_), issuer_(std::move(other.issuer_)), config_(std::move(other.config_)) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
}

ProviderProcess::~ProviderProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto until = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= until) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the child's exit, bounded
    }
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

}  // namespace dragops::oauth::testing
