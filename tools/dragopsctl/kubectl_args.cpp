#include "kubectl_args.hpp"

namespace dragops::dragopsctl {

namespace {
const std::map<std::string, std::string> kAliases{{"-n", "--namespace"}, {"--filename", "-f"}, {"--output", "-o"}};
}

std::optional<Options> parse_options(const Args& args, const std::set<std::string>& with_value,
                                     const std::set<std::string>& flags, std::string& problem) {
  Options out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (name.starts_with("--") && name.find('=') != std::string::npos) {
      value = name.substr(name.find('=') + 1);
      name = name.substr(0, name.find('='));
    }
    if (auto alias = kAliases.find(name); alias != kAliases.end()) name = alias->second;
    if (!name.starts_with("-") || name == "-") {
      out.positional.push_back(args[i]);
      continue;
    }
    if (flags.contains(name)) {
      if (value) {
        problem = name + " takes no value";
        return std::nullopt;
      }
      out.flags.insert(name);
      continue;
    }
    if (!with_value.contains(name)) {
      problem = "unknown option " + name;
      return std::nullopt;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        problem = name + " needs a value";
        return std::nullopt;
      }
      value = args[++i];
    }
    out.values[name].push_back(*value);
  }
  return out;
}

std::set<std::string> with(std::set<std::string> base, std::initializer_list<const char*> more) {
  for (const auto* name : more) base.insert(name);
  return base;
}

std::string kind_word(const std::string& what) {
  if (what == "connection" || what == "connections" || what == "conn") return "connection";
  if (what == "secret" || what == "secrets" || what == "dsec") return "secret";
  return {};
}

std::vector<std::string> kubectl_command(const Options& options) {
  std::vector<std::string> kubectl{"kubectl"};
  if (options.has("--kubeconfig")) kubectl.push_back("--kubeconfig=" + options.get("--kubeconfig"));
  if (options.has("--context")) kubectl.push_back("--context=" + options.get("--context"));
  return kubectl;
}

}  // namespace dragops::dragopsctl
