#pragma once
// The cluster's sealing keys: HPKE DHKEM(P-256) key pairs by version. The newest (highest
// version) is the one published for sealing; every key held opens values sealed to it, which
// each name their key by its id (crypto::key_id_of). Serialised, for the Secret that carries it
// sealed under the root key, as a version byte and fixed-size records (docs/sealing.md#the-cluster-sealing-key):
//
//   0x01 || record*   record = u32be version || u64be created (Unix seconds) || 32-byte private key

#include "crypto/hpke.hpp"
#include "crypto/sealed_value.hpp"
#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace dragops::op::sealing {

using Time = std::chrono::system_clock::time_point;

struct SealingKey {
  std::uint32_t version = 0;
  Time created;
  crypto::hpke::KeyPair pair;
  crypto::SealingKeyId id{};
};

// What rotation decisions need to know of a key (no key material).
struct SealingKeyInfo {
  std::uint32_t version = 0;
  Time created;
  crypto::SealingKeyId id{};

  friend bool operator==(const SealingKeyInfo&, const SealingKeyInfo&) = default;
};

class SealingKeySet {
 public:
  // Version 1, from OpenSSL's key generation. Fails only if OpenSSL does.
  static boost::system::result<SealingKeySet, std::string> generate(Time now);
  // The error names the rule broken and the version, never key bytes.
  static boost::system::result<SealingKeySet, std::string> load(std::span<const std::uint8_t> serialised);
  crypto::SecretBytes serialise() const;

  const SealingKey& newest() const { return keys_.rbegin()->second; }
  const SealingKey* find(const crypto::SealingKeyId& id) const;
  std::vector<SealingKeyInfo> infos() const;   // by version, oldest first
  std::size_t size() const { return keys_.size(); }

  // A fresh key as version newest + 1, which becomes the newest. Returns its version.
  boost::system::result<std::uint32_t, std::string> add(Time now);
  // Removes a version; refuses (false) the newest or an absent one.
  bool retire(std::uint32_t version);

 private:
  SealingKeySet() = default;
  std::map<std::uint32_t, SealingKey> keys_;   // never empty
};

}  // namespace dragops::op::sealing
