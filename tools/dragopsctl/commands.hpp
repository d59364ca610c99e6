#pragma once
// dragopsctl's commands. Each takes its arguments (after the command words) and returns the
// process exit code; messages go to stderr, results to stdout. docs/dragopsctl.md lists them.

#include <string>
#include <vector>

namespace dragops::dragopsctl {

enum ExitCode : int {
  kOk = 0,
  kUsage = 1,             // unknown command, missing or extra arguments
  kBadInput = 2,          // unreadable/unwritable file, invalid key ring, bad base64, malformed envelope
  kCannotOpen = 3,        // authentication failed or unknown key version
  kNoClusterKey = 4,      // the cluster's sealing key cannot be read (kubeconfig, API error, not published)
};

using Args = std::vector<std::string>;

int keyring_generate(const Args& args);
int keyring_rotate(const Args& args);
int keyring_retire(const Args& args);
int keyring_show(const Args& args);
int seal_value(const Args& args);
int open_value(const Args& args);

void print_usage(bool to_stderr);

}  // namespace dragops::dragopsctl
