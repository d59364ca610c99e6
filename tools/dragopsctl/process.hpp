#pragma once
// Runs a program found on PATH with the given input on its standard input; its output and errors
// go where dragopsctl's go. For `kubectl dragops create`, which hands the sealed manifest to
// `kubectl apply -f -`.

#include <string>
#include <string_view>
#include <vector>

namespace dragops::dragopsctl {

// The program's exit status, or -1 (with errno's message in problem) when it cannot be started.
int run_with_input(const std::vector<std::string>& argv, std::string_view input, std::string& problem);

}  // namespace dragops::dragopsctl
