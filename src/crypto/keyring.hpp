#pragma once
// A data key ring: 32-byte AES keys by version, exactly one primary. New seals use the primary;
// any version still in the ring opens. Serialised as JSON for the core Secret that carries it:
//   {"primary": 2, "keys": [{"version": 1, "key": "<base64 32 bytes>"}, {"version": 2, ...}]}

#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::crypto {

inline constexpr std::size_t kDataKeySize = 32;

class Keyring {
 public:
  // A new ring with version 1 as primary, from the OS CSPRNG.
  static Keyring generate();
  // Parses the serialised form; the error message says which rule was broken (bad JSON, wrong key
  // length for version N, duplicate version N, primary N missing, ...). Never names key bytes.
  static boost::system::result<Keyring, std::string> load(std::string_view serialised);
  SecretBytes serialise() const;   // contains key material: SecretBytes

  std::uint32_t primary() const { return primary_; }
  std::vector<std::uint32_t> versions() const;
  bool has(std::uint32_t version) const { return keys_.count(version) != 0; }
  const SecretBytes* key(std::uint32_t version) const;   // nullptr if absent

  // Adds a new random version (max + 1), not primary. Returns it.
  std::uint32_t add();
  // add() and make it primary. Returns the new primary version.
  std::uint32_t rotate();
  // Makes an existing version primary; false if absent.
  bool set_primary(std::uint32_t version);
  // Removes a version; refuses (false) to retire the primary or an absent version.
  bool retire(std::uint32_t version);

 private:
  std::map<std::uint32_t, SecretBytes> keys_;
  std::uint32_t primary_ = 0;
};

}  // namespace dragops::crypto
