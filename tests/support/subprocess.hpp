#pragma once
// Running a child process from a test: arguments (no shell), optional stdin, captured stdout
// and stderr, extra environment, and a deadline after which it is killed.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace dragops::testing {

struct CommandResult {
  int exit_code = -1;     // -1: killed at the deadline or could not start
  std::string out;
  std::string err;
  bool timed_out = false;

  std::string combined() const { return out + err; }
};

CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds deadline = std::chrono::seconds(60));

}  // namespace dragops::testing
