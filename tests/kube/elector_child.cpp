// A leader-election candidate as its own process, for the two-process test:
//   kube_elector_child KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS
// Prints "LEADING <identity>", "NEW_LEADER <identity>" and "STOPPED" lines (flushed) and
// exits after SIGTERM (releasing the lease) or when leadership is lost.

#include "kube/config.hpp"
#include "kube/http_api.hpp"
#include "kube/leader_election.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <pthread.h>
#include <thread>

int main(int argc, char** argv) {
  using namespace dragops::kube;
  if (argc != 8) {
    std::cerr << "usage: kube_elector_child KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto config = load_kubeconfig(argv[1]);
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 1;
  }
  auto api = HttpApi::create(*config);
  if (!api) {
    std::cerr << api.error().message << "\n";
    return 1;
  }
  LeaderElectionConfig election;
  election.lease_namespace = argv[2];
  election.lease_name = argv[3];
  election.identity = argv[4];
  election.lease_duration = std::chrono::milliseconds(std::stoi(argv[5]));
  election.renew_deadline = std::chrono::milliseconds(std::stoi(argv[6]));
  election.retry_period = std::chrono::milliseconds(std::stoi(argv[7]));
  const std::string identity = argv[4];
  election.on_started_leading = [&](std::stop_token) { std::printf("LEADING %s\n", identity.c_str()); std::fflush(stdout); };
  election.on_new_leader = [](const std::string& leader) { std::printf("NEW_LEADER %s\n", leader.c_str()); std::fflush(stdout); };
  election.on_stopped_leading = [] { std::printf("STOPPED\n"); std::fflush(stdout); };
  LeaderElector elector(**api, election);

  std::jthread runner([&](std::stop_token stop) { elector.run(stop); });
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    runner.request_stop();
  });
  runner.join();
  // Leadership lost without a signal: exit anyway (the waiter thread is left blocked).
  waiter.detach();
  std::fflush(stdout);
  std::_Exit(0);
}
