#pragma once
// The test's API server as a child process: the local API server (tests/apiserver, binary
// `dragops-apiserver`), or, when DRAGOPS_E2E_BACKEND=real, the real control plane
// (tests/kube/control-plane.sh: etcd, kube-apiserver, kube-controller-manager of the pinned
// release). Started at port 0 in a fresh temporary directory, ready when it prints READY (with a
// deadline), stopped with SIGTERM (the local one saves --state; the real one keeps etcd's data),
// killed with SIGKILL (the whole process group), or restarted on the same port with the same
// state. Startup failures throw std::runtime_error.

#include "support/subprocess.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace dragops::testing {

// The dragops-apiserver binary: $DRAGOPS_APISERVER_BINARY if set, else the one CMake built.
std::string apiserver_binary();

// True when DRAGOPS_E2E_BACKEND=real: tests then run against the real control plane. A test that
// needs a flag only the local server has (extra_args) skips itself there with the reason.
bool real_backend();

struct ApiServerOptions {
  std::vector<std::string> extra_args;   // e.g. {"--watch-history", "50"}
  std::chrono::milliseconds ready_timeout = std::chrono::seconds(30);
  bool keep_state = true;                // pass --state DIR/state.json
};

class ApiServerProcess {
 public:
  explicit ApiServerProcess(ApiServerOptions options = {});
  ~ApiServerProcess();  // stops the server and removes the directory
  ApiServerProcess(const ApiServerProcess&) = delete;
  ApiServerProcess& operator=(const ApiServerProcess&) = delete;

  void start();    // first start at port 0, or again on the same port after stop()/kill()
  void stop();     // SIGTERM and wait (the server saves its state)
  void kill();     // SIGKILL and wait (nothing is saved)
  void restart();  // stop() then start() on the same port
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // How the last run ended: the exit code, or 128 + signal number.
  int last_exit_status() const { return last_exit_status_; }

  const std::string& url() const { return url_; }          // https://127.0.0.1:<port>
  unsigned short port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path kubeconfig_path() const { return dir_ / "kubeconfig"; }
  std::filesystem::path ca_path() const { return dir_ / "ca.crt"; }
  std::filesystem::path state_path() const { return dir_ / "state.json"; }
  std::filesystem::path log_path() const { return dir_ / "apiserver.log"; }
  std::string token() const;
  std::string ca_pem() const;

 private:
  void wait_for_exit();

  ApiServerOptions options_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  unsigned short port_ = 0;
  int last_exit_status_ = -1;
  std::string url_;
};

// kubectl with KUBECONFIG (and a private discovery cache) pointing at `server`.
CommandResult run_kubectl(const ApiServerProcess& server, const std::vector<std::string>& args,
                          const std::string& stdin_text = "",
                          std::chrono::milliseconds deadline = std::chrono::seconds(60));

}  // namespace dragops::testing
