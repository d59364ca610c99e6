#include "support/api_server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <stdexcept>

namespace dragops::testing {

namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string apiserver_binary() {
  if (const char* env = std::getenv("DRAGOPS_APISERVER_BINARY"); env != nullptr && *env != '\0') return env;
#ifdef DRAGOPS_APISERVER_BINARY
  return DRAGOPS_APISERVER_BINARY;
#else
  return "dragops-apiserver";
#endif
}

bool real_backend() {
  const char* env = std::getenv("DRAGOPS_E2E_BACKEND");
  return env != nullptr && std::string_view(env) == "real";
}

ApiServerProcess::ApiServerProcess(ApiServerOptions options) : options_(std::move(options)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dragops-apiserver-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
}

ApiServerProcess::~ApiServerProcess() {
  if (running()) {
    try {
      stop();
    } catch (...) {
    }
  }
  if (std::getenv("DRAGOPS_KEEP_TMP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void ApiServerProcess::start() {
  if (running()) throw std::runtime_error("the API server is already running");
  const bool real = real_backend();
  std::vector<std::string> args;
  if (real) {
    if (!options_.extra_args.empty()) throw std::runtime_error("local API server flags given to the real control plane");
    args = {DRAGOPS_CONTROL_PLANE_SCRIPT, "--dir", dir_.string()};
    if (port_ != 0) {
      args.push_back("--port");
      args.push_back(std::to_string(port_));
    }
  } else {
    args = {apiserver_binary(), "--dir", dir_.string(), "--listen", "127.0.0.1:" + std::to_string(port_)};
    if (options_.keep_state) {
      args.push_back("--state");
      args.push_back(state_path().string());
    }
    for (const auto& a : options_.extra_args) args.push_back(a);
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int log_fd = open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so kill() reaches every component the script started
    dup2(out[1], 1);
    if (log_fd >= 0) dup2(log_fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  if (log_fd >= 0) close(log_fd);
  pid_ = pid;
  stdout_fd_ = out[0];
  std::string line;
  auto until = std::chrono::steady_clock::now() +
               (real ? std::max<std::chrono::milliseconds>(options_.ready_timeout, std::chrono::minutes(3))
                     : options_.ready_timeout);
  char c = 0;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill();
      throw std::runtime_error("dragops-apiserver did not print READY in time; log: " + slurp(log_path()));
    }
    pollfd fd{stdout_fd_, POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = read(stdout_fd_, &c, 1);
    if (n <= 0) {
      wait_for_exit();
      throw std::runtime_error("dragops-apiserver exited before READY; log: " + slurp(log_path()));
    }
    if (c != '\n') {
      line += c;
      continue;
    }
    if (line.rfind("READY ", 0) == 0) break;
    line.clear();
  }
  url_ = line.substr(6);
  port_ = static_cast<unsigned short>(std::stoul(url_.substr(url_.rfind(':') + 1)));
}

void ApiServerProcess::wait_for_exit() {
  if (pid_ > 0) {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    last_exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  pid_ = -1;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = -1;
}

void ApiServerProcess::stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  // A server that does not exit within 10 seconds of SIGTERM (30 for the real control plane's
  // three components) is killed (and the test will see last_exit_status() != 0).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(real_backend() ? 30 : 10);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      last_exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      if (stdout_fd_ >= 0) close(stdout_fd_);
      stdout_fd_ = -1;
      return;
    }
    if (r < 0 && errno != EINTR) break;
    poll(nullptr, 0, 10);
  }
  ::kill(-pid_, SIGKILL);
  wait_for_exit();
}

void ApiServerProcess::kill() {
  if (!running()) return;
  ::kill(-pid_, SIGKILL);
  wait_for_exit();
}

void ApiServerProcess::restart() {
  stop();
  start();
}

std::string ApiServerProcess::token() const { return slurp(dir_ / "token"); }
std::string ApiServerProcess::ca_pem() const { return slurp(ca_path()); }

CommandResult run_kubectl(const ApiServerProcess& server, const std::vector<std::string>& args,
                          const std::string& stdin_text, std::chrono::milliseconds deadline) {
  std::vector<std::string> argv{"kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, stdin_text,
                     {{"KUBECONFIG", server.kubeconfig_path().string()},
                      {"KUBECACHEDIR", (server.dir() / "kube-cache").string()}},
                     deadline);
}

}  // namespace dragops::testing
