#pragma once
// The public key dragopsctl seals to: from a file (the ConfigMap's publicKey line, or the JSON of
// GET /v1/sealing-key), or fetched from the cluster through the kubeconfig (ConfigMap
// dragops-sealing-key in the operator's namespace, readable by every authenticated user).

#include "crypto/hpke.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace dragops::dragopsctl {

struct SealingPublicKey {
  crypto::hpke::PublicKey key{};
  std::string key_id;   // 16 hex digits
};

// Text: one line of base64 (surrounding whitespace ignored) or a JSON object with "publicKey"
// (and, if present, a "keyId" that must match). The error says what is wrong with it.
boost::system::result<SealingPublicKey, std::string> parse_public_key(std::string_view text);

struct ClusterOptions {
  std::string kubeconfig;                            // "" : KUBECONFIG, else ~/.kube/config
  std::string context;                               // "" : current-context
  std::string operator_namespace = "dragops-system";
};

// The key and the kubeconfig context's namespace (the default for what is sealed).
struct ClusterKey {
  SealingPublicKey key;
  std::string default_namespace;
};
boost::system::result<ClusterKey, std::string> fetch_cluster_key(const ClusterOptions& options);

// The kubeconfig context's namespace, without fetching anything ("default" when unset).
boost::system::result<std::string, std::string> kubeconfig_namespace(const ClusterOptions& options);

}  // namespace dragops::dragopsctl
