#pragma once
// Flags of dragops-operator. Every flag --some-flag can also come from the environment as
// DRAGOPS_SOME_FLAG (a flag on the command line wins). --namespace also reads POD_NAMESPACE.

#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace dragops::op {

struct Options {
  std::string kubeconfig;                     // "" : KUBECONFIG, else in-cluster
  std::string namespace_ = "dragops-system";
  std::vector<std::string> watch_namespaces;  // empty: all
  bool leader_elect = true;
  std::string leader_election_id = "dragops-operator";
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  std::string metrics_addr = ":8080";
  std::string health_addr = ":8081";
  std::string log_level = "info";
  int workers = 4;
  std::chrono::milliseconds key_rotation_interval{720LL * 3600 * 1000};
  std::chrono::milliseconds key_propagation_delay{120'000};   // the kubelet refreshes a Secret volume up to ~90 s late
  // An older sealing key goes once no sealed input names it and it was replaced this long ago.
  std::chrono::milliseconds sealing_key_retire_after{24LL * 3600 * 1000};
  // Webhook (wired by the webhook's owner; parsed here so the flag set is complete).
  std::string webhook_addr = ":9443";
  std::string webhook_service = "dragops-webhook";
  std::string webhook_config = "dragops-sidecar-injector";
  std::string webhook_cert_secret = "dragops-webhook-cert";
  std::string webhook_cert_mode = "operator";
  std::string webhook_cert_dir = "/etc/dragops/webhook-certs";
  // The Mutating- and ValidatingWebhookConfiguration (one name, both kinds) of the Connection and
  // Secret admission (operator/admission/); "" : not served, no caBundle patched.
  std::string resource_webhook_config = "dragops-resources";
  // Who may use a Connection or Secret in a pod (inject/use_check.hpp): "serviceaccount" (a `use`
  // grant per ServiceAccount and name) or "namespace" (every ServiceAccount of the namespace).
  std::string use_scope = "serviceaccount";
  // The sidecar Roles are narrowed this long after a use grant is withdrawn, at most.
  std::chrono::milliseconds use_recheck_interval{30'000};
  std::string sidecar_image = "dragops/dragops-sidecar:0.1.0";
  std::string sidecar_cpu_request = "10m";
  std::string sidecar_memory_request = "16Mi";
  std::string sidecar_memory_limit = "32Mi";
  std::string identity;                       // leader identity; default hostname_pid
  // OAuth authorization-code flow (docs/oauth.md).
  std::string oauth_callback_addr = ":8443";
  std::string oauth_external_url;             // "" : no authorization URLs are issued
  std::chrono::milliseconds oauth_state_lifetime{600'000};
  std::chrono::milliseconds oauth_provider_timeout{10'000};
  std::string oauth_ca_file;
  int oauth_revoke_attempts = 5;              // then revocation is given up (Event)
  std::chrono::milliseconds oauth_refresh_min_skew{60'000};   // the only refresher; the sidecars' DRAGOPS_REFRESH_MIN_SKEW must match
  // The refresh Lease's duration, and the longest anyone's hold is trusted (oauth/lease_lock.hpp).
  std::chrono::milliseconds oauth_lease_duration{30'000};
  // The root key wrapped by a key in a PKCS#11 token (docs/operator.md#root-key-in-a-pkcs11-token);
  // off while pkcs11_module is empty. The PIN is read from pkcs11_pin_file or the environment
  // variable DRAGOPS_PKCS11_PIN, never from a flag.
  std::string pkcs11_module;
  std::string pkcs11_token_label;
  std::string pkcs11_slot;                    // a slot id instead of the token label
  std::string pkcs11_key_label;
  std::string pkcs11_pin_file;
  bool pkcs11_create_key = false;
  // IntegrationPack endpoints must be https; with this, http:// to a loopback host is accepted
  // too (the tests' providers). Off by default.
  bool allow_insecure_loopback_endpoints = false;
};

using Getenv = std::function<const char*(const char*)>;

// The error names the flag and what is wrong with it; "help" when --help was asked.
boost::system::result<Options, std::string> parse_options(const std::vector<std::string>& args, const Getenv& getenv);
std::string usage();

// "500ms", "15s", "10m", "720h", "1h30m"; false otherwise.
bool parse_duration(std::string_view text, std::chrono::milliseconds& out);

}  // namespace dragops::op
