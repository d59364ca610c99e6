#pragma once
// Arguments as kubectl takes them, for the kubectl plugin's commands: --name value, --name=value,
// -n value; repeatable; flags alone; anything not starting with '-' is positional.

#include "commands.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dragops::dragopsctl {

struct Options {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> flags;
  std::vector<std::string> positional;

  std::string get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second.back();
  }
  bool has(const std::string& name) const { return values.contains(name) || flags.contains(name); }
};

// with_value: options that take a value; flags: options that take none. -n is --namespace,
// --filename is -f, --output is -o. nullopt with problem set on an unknown or incomplete option.
std::optional<Options> parse_options(const Args& args, const std::set<std::string>& with_value,
                                     const std::set<std::string>& flags, std::string& problem);

std::set<std::string> with(std::set<std::string> base, std::initializer_list<const char*> more);

// "connection" or "secret" from what kubectl users type for the two dragops.io kinds; "" otherwise.
std::string kind_word(const std::string& what);

// The kubectl command line that reaches the same cluster as the options (--kubeconfig, --context).
std::vector<std::string> kubectl_command(const Options& options);

}  // namespace dragops::dragopsctl
