#include "share_commands.hpp"

#include "inject/annotations.hpp"
#include "kubectl_args.hpp"
#include "process.hpp"
#include "seal_manifest.hpp"
#include "sealing_key.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace dragops::dragopsctl {

namespace json = boost::json;

namespace {

int fail(int code, const std::string& message) {
  std::cerr << "dragopsctl: " << message << "\n";
  return code;
}

}  // namespace

json::array share_manifests(const ShareGrant& grant) {
  return {use_grant::use_role(grant, "kubectl-dragops"), use_grant::use_role_binding(grant, "kubectl-dragops")};
}

int kubectl_share(const Args& args, bool share) {
  const std::string command = share ? "share" : "unshare";
  std::string problem;
  const auto options =
      parse_options(args, {"--namespace", "--serviceaccount", "--kubeconfig", "--context", "--dry-run", "-o"}, {}, problem);
  if (!options) return fail(kUsage, command + ": " + problem);
  if (options->positional.size() != 2) return fail(kUsage, command + " takes: connection NAME | secret NAME, and --serviceaccount SA");
  ShareGrant grant;
  grant.kind = kind_word(options->positional[0]);
  if (grant.kind.empty()) return fail(kUsage, command + " is for a connection or a secret (dragops.io), not " + options->positional[0]);
  grant.name = options->positional[1];
  if (!inject::is_dns1123_subdomain(grant.name)) return fail(kUsage, "\"" + grant.name + "\" is not a valid " + grant.kind + " name");
  grant.namespace_ = options->get("--namespace");
  // --serviceaccount SA, or NAMESPACE:SA as kubectl create rolebinding takes it; a pod reads
  // only the objects of its own namespace, so another namespace's ServiceAccount is refused.
  auto account = options->get("--serviceaccount");
  if (account.empty()) return fail(kUsage, command + " needs --serviceaccount SA");
  if (const auto colon = account.find(':'); colon != std::string::npos) {
    const auto account_namespace = account.substr(0, colon);
    account = account.substr(colon + 1);
    if (grant.namespace_.empty()) grant.namespace_ = account_namespace;
    if (account_namespace != grant.namespace_)
      return fail(kUsage, "--serviceaccount " + account_namespace + ":" + account + " is not in namespace " + grant.namespace_ +
                              ": a pod can use only the " + grant.kind + "s of its own namespace");
  }
  if (!inject::is_dns1123_subdomain(account)) return fail(kUsage, "\"" + account + "\" is not a valid ServiceAccount name");
  grant.service_account = account;
  const auto dry_run = options->has("--dry-run") ? options->get("--dry-run") : std::string("none");
  if (dry_run != "none" && dry_run != "client") return fail(kUsage, "--dry-run must be none or client");
  const auto output = options->get("-o");
  if (!output.empty() && output != "yaml" && output != "json" && output != "name")
    return fail(kUsage, "-o must be yaml, json or name");
  if (grant.namespace_.empty()) {
    ClusterOptions cluster;
    cluster.kubeconfig = options->get("--kubeconfig");
    cluster.context = options->get("--context");
    auto ns = kubeconfig_namespace(cluster);
    if (!ns) return fail(kNoClusterKey, ns.error());
    grant.namespace_ = *ns;
  }

  const auto manifests = share_manifests(grant);
  if (dry_run == "client") {
    if (output == "json") {
      std::cout << json::serialize(json::object{{"apiVersion", "v1"}, {"kind", "List"}, {"items", manifests}}) << "\n";
    } else {
      for (const auto& manifest : manifests) std::cout << "---\n" << to_yaml(manifest.as_object());
    }
    return kOk;
  }
  auto kubectl = kubectl_command(*options);
  std::string input;
  if (share) {
    kubectl.insert(kubectl.end(), {"apply", "-f", "-"});
    if (!output.empty()) kubectl.insert(kubectl.end(), {"-o", output});
    for (const auto& manifest : manifests) input += json::serialize(manifest) + "\n";
  } else {
    // Only the binding goes: the Role grants nothing by itself and may serve other bindings.
    kubectl.insert(kubectl.end(), {"delete", "--ignore-not-found", "-f", "-"});
    if (!output.empty()) kubectl.insert(kubectl.end(), {"-o", output});
    input = json::serialize(manifests.at(1)) + "\n";
  }
  const int status = run_with_input(kubectl, input, problem);
  if (status < 0) return fail(kNoClusterKey, problem);
  return status;
}

}  // namespace dragops::dragopsctl
