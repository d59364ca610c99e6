#include "operator/options.hpp"

#include "inject/use_check.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace dragops::op {
namespace {

using Setter = std::function<bool(Options&, const std::string&)>;

Setter text(std::string Options::*member) {
  return [member](Options& o, const std::string& v) {
    o.*member = v;
    return true;
  };
}
Setter duration(std::chrono::milliseconds Options::*member) {
  return [member](Options& o, const std::string& v) { return parse_duration(v, o.*member); };
}
Setter boolean(bool Options::*member) {
  return [member](Options& o, const std::string& v) {
    if (v == "true" || v == "1" || v.empty()) o.*member = true;
    else if (v == "false" || v == "0") o.*member = false;
    else return false;
    return true;
  };
}

const std::map<std::string, Setter, std::less<>>& setters() {
  static const std::map<std::string, Setter, std::less<>> table{
      {"kubeconfig", text(&Options::kubeconfig)},
      {"namespace", text(&Options::namespace_)},
      {"watch-namespaces",
       [](Options& o, const std::string& v) {
         o.watch_namespaces.clear();
         std::size_t start = 0;
         while (start <= v.size()) {
           auto comma = v.find(',', start);
           auto item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
           if (!item.empty()) o.watch_namespaces.push_back(item);
           if (comma == std::string::npos) break;
           start = comma + 1;
         }
         return true;
       }},
      {"leader-elect", boolean(&Options::leader_elect)},
      {"leader-election-id", text(&Options::leader_election_id)},
      {"lease-duration", duration(&Options::lease_duration)},
      {"renew-deadline", duration(&Options::renew_deadline)},
      {"retry-period", duration(&Options::retry_period)},
      {"metrics-addr", text(&Options::metrics_addr)},
      {"health-addr", text(&Options::health_addr)},
      {"log-level", text(&Options::log_level)},
      {"workers",
       [](Options& o, const std::string& v) {
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.workers);
         return ec == std::errc{} && end == v.data() + v.size() && o.workers > 0;
       }},
      {"key-rotation-interval", duration(&Options::key_rotation_interval)},
      {"key-propagation-delay", duration(&Options::key_propagation_delay)},
      {"sealing-key-retire-after", duration(&Options::sealing_key_retire_after)},
      {"webhook-addr", text(&Options::webhook_addr)},
      {"webhook-service", text(&Options::webhook_service)},
      {"webhook-config", text(&Options::webhook_config)},
      {"webhook-cert-secret", text(&Options::webhook_cert_secret)},
      {"webhook-cert-mode", text(&Options::webhook_cert_mode)},
      {"webhook-cert-dir", text(&Options::webhook_cert_dir)},
      {"resource-webhook-config", text(&Options::resource_webhook_config)},
      {"sidecar-image", text(&Options::sidecar_image)},
      {"sidecar-cpu-request", text(&Options::sidecar_cpu_request)},
      {"sidecar-memory-request", text(&Options::sidecar_memory_request)},
      {"sidecar-memory-limit", text(&Options::sidecar_memory_limit)},
      {"identity", text(&Options::identity)},
      {"oauth-callback-addr", text(&Options::oauth_callback_addr)},
      {"oauth-external-url", text(&Options::oauth_external_url)},
      {"oauth-state-lifetime", duration(&Options::oauth_state_lifetime)},
      {"oauth-provider-timeout", duration(&Options::oauth_provider_timeout)},
      {"oauth-ca-file", text(&Options::oauth_ca_file)},
      {"oauth-refresh-min-skew", duration(&Options::oauth_refresh_min_skew)},
      {"pkcs11-module", text(&Options::pkcs11_module)},
      {"pkcs11-token-label", text(&Options::pkcs11_token_label)},
      {"pkcs11-slot",
       [](Options& o, const std::string& v) {
         unsigned long slot = 0;
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), slot);
         if (ec != std::errc{} || end != v.data() + v.size() || v.empty()) return false;
         o.pkcs11_slot = v;
         return true;
       }},
      {"pkcs11-key-label", text(&Options::pkcs11_key_label)},
      {"pkcs11-pin-file", text(&Options::pkcs11_pin_file)},
      {"pkcs11-create-key", boolean(&Options::pkcs11_create_key)},
      {"oauth-lease-duration", duration(&Options::oauth_lease_duration)},
      {"allow-insecure-loopback-endpoints", boolean(&Options::allow_insecure_loopback_endpoints)},
      {"use-scope",
       [](Options& o, const std::string& v) {
         if (!inject::parse_use_scope(v)) return false;
         o.use_scope = v;
         return true;
       }},
      {"use-recheck-interval",
       [](Options& o, const std::string& v) { return parse_duration(v, o.use_recheck_interval) && o.use_recheck_interval.count() > 0; }},
      {"oauth-revoke-attempts",
       [](Options& o, const std::string& v) {
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.oauth_revoke_attempts);
         return ec == std::errc{} && end == v.data() + v.size() && o.oauth_revoke_attempts > 0;
       }},
  };
  return table;
}

std::string env_name(std::string_view flag) {
  std::string out = "DRAGOPS_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

boost::system::result<Options, std::string> fail(std::string message) {
  return {boost::system::in_place_error, std::move(message)};
}

}  // namespace

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  if (text == "0") {
    out = std::chrono::milliseconds(0);
    return true;
  }
  long long total = 0;
  bool any = false;
  while (!text.empty()) {
    long long number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end == text.data()) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    long long unit = 0;
    if (text.starts_with("ms")) unit = 1, text.remove_prefix(2);
    else if (text.starts_with("s")) unit = 1000, text.remove_prefix(1);
    else if (text.starts_with("m")) unit = 60'000, text.remove_prefix(1);
    else if (text.starts_with("h")) unit = 3'600'000, text.remove_prefix(1);
    else return false;
    total += number * unit;
    any = true;
  }
  if (!any) return false;
  out = std::chrono::milliseconds(total);
  return true;
}

boost::system::result<Options, std::string> parse_options(const std::vector<std::string>& args, const Getenv& getenv) {
  Options options;
  if (const char* ns = getenv("POD_NAMESPACE"); ns && *ns) options.namespace_ = ns;
  if (const char* kubeconfig = getenv("KUBECONFIG"); kubeconfig && *kubeconfig) options.kubeconfig = kubeconfig;
  for (const auto& [flag, set] : setters()) {
    const auto name = env_name(flag);
    if (const char* value = getenv(name.c_str()); value && *value)
      if (!set(options, value)) return fail(name + ": invalid value for --" + flag);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") return fail("help");
    if (!arg.starts_with("--")) return fail("unexpected argument " + std::string(arg));
    arg.remove_prefix(2);
    std::string flag, value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    } else {
      flag = arg;
    }
    auto it = setters().find(flag);
    if (it == setters().end()) return fail("unknown flag --" + flag);
    if (!has_value && flag != "leader-elect" && flag != "pkcs11-create-key" && flag != "allow-insecure-loopback-endpoints") {
      if (i + 1 >= args.size()) return fail("--" + flag + " needs a value");
      value = args[++i];
    }
    if (!it->second(options, value)) return fail("--" + flag + ": invalid value");
  }
  if (options.pkcs11_module.empty()) {
    if (!options.pkcs11_token_label.empty() || !options.pkcs11_slot.empty() || !options.pkcs11_key_label.empty() ||
        !options.pkcs11_pin_file.empty() || options.pkcs11_create_key)
      return fail("the --pkcs11-* flags need --pkcs11-module");
  } else {
    if (options.pkcs11_key_label.empty()) return fail("--pkcs11-module needs --pkcs11-key-label");
    if (options.pkcs11_token_label.empty() == options.pkcs11_slot.empty())
      return fail("--pkcs11-module needs exactly one of --pkcs11-token-label and --pkcs11-slot");
  }
  return options;
}

std::string usage() {
  return R"(dragops-operator: reconciles Connections, Secrets and IntegrationPacks into sealed stores.

Flags (each also as environment variable DRAGOPS_<FLAG_IN_UPPER_SNAKE>):
  --kubeconfig PATH            kubeconfig (else KUBECONFIG, else in-cluster)
  --namespace NS               operator namespace (env POD_NAMESPACE) [dragops-system]
  --watch-namespaces a,b       namespaces to watch ("" = all) [""]
  --leader-elect BOOL          use a Lease so only one replica reconciles [true]
  --leader-election-id NAME    Lease name [dragops-operator]
  --lease-duration D           [15s]   --renew-deadline D [10s]   --retry-period D [2s]
  --metrics-addr ADDR          /metrics and GET /v1/sealing-key [:8080]
  --health-addr ADDR           /healthz and /readyz [:8081]
  --log-level LEVEL            debug|info|warn|error [info]
  --workers N                  concurrent reconciles [4]
  --key-rotation-interval D    scheduled data key rotation, 0 = off [720h]
  --key-propagation-delay D    wait between adding a key version and sealing with it; covers the
                               kubelet's refresh of the sidecars' key volume [2m]
  --sealing-key-retire-after D an older sealing key goes once unused and replaced this long ago [24h]
  --webhook-addr ADDR          admission webhook listener, "" disables [:9443]
  --webhook-service, --webhook-config, --webhook-cert-secret, --webhook-cert-mode,
  --webhook-cert-dir, --sidecar-image, --sidecar-cpu-request, --sidecar-memory-request,
  --sidecar-memory-limit       webhook and injection settings (docs/operator.md)
  --resource-webhook-config N  the Mutating- and ValidatingWebhookConfiguration of the Connection and
                               Secret admission (owner, reference checks), "" disables [dragops-resources]
  --use-scope SCOPE            who may use a Connection or Secret in a pod: serviceaccount (each
                               ServiceAccount needs the RBAC verb use on its name, checked at pod
                               admission and for the sidecar Role) or namespace (every
                               ServiceAccount of the namespace) [serviceaccount]
  --use-recheck-interval D     how often a sidecar Role's names are checked against withdrawn
                               use grants [30s]
  --oauth-callback-addr ADDR   OAuth redirect listener, "" disables [:8443]
  --oauth-external-url URL     public URL of that listener (redirect_uri; a bare origin gets
                               /oauth/callback appended); "" : no authorization URLs [""]
  --oauth-state-lifetime D     how long an authorization link works [10m]
  --oauth-provider-timeout D   token endpoint timeout [10s]
  --oauth-ca-file PATH         extra CA bundle for private providers [""]
  --oauth-revoke-attempts N    tries to revoke at the provider on delete/revoke, then give up [5]
  --oauth-refresh-min-skew D   refresh OAuth tokens at least this long before expiry [60s]
  --oauth-lease-duration D     the refresh Lease's duration; no holder is trusted longer [30s]
  --pkcs11-module PATH         wrap the root key with a key in a PKCS#11 token (module .so) [""]
  --pkcs11-token-label LABEL   the token, by label (or --pkcs11-slot ID)
  --pkcs11-key-label LABEL     the AES key on the token that wraps the root key
  --pkcs11-pin-file PATH       file holding the user PIN (or env DRAGOPS_PKCS11_PIN; never a flag)
  --pkcs11-create-key BOOL     generate the AES key on the token if absent [false]
  --allow-insecure-loopback-endpoints
                               accept http:// IntegrationPack endpoints on loopback hosts (tests only;
                               every other endpoint must be https) [false]
)";
}

}  // namespace dragops::op
