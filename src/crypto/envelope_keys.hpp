#pragma once
// Opens envelopes like crypto::open, and keeps each envelope's AES-256-GCM key for the next open
// of the same envelope. For a reader that opens the same few envelopes on every request (the
// sidecar): the HKDF derivation of that key is two thirds of an open of a 1 KiB value.
//
// What is kept is key material, never plaintext: every open still runs AES-GCM over the
// ciphertext and checks its tag, and returns a fresh SecretBytes the caller wipes. A kept key
// is HKDF(data key, salt), no more secret than the data key of the same ring, which the reader
// holds anyway; it lives in a SecretBytes (wiped when dropped) and only while that ring does:
// entries are bound to the ring they were derived from (shared_ptr identity, not its address)
// and dropped when another ring is used or the capacity is reached. Only envelopes that opened
// are kept, so garbage cannot push the useful keys out.

#include "crypto/envelope.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace dragops::crypto {

class EnvelopeKeys {
 public:
  explicit EnvelopeKeys(std::size_t capacity = 64) : capacity_(capacity) {}
  EnvelopeKeys(const EnvelopeKeys&) = delete;
  EnvelopeKeys& operator=(const EnvelopeKeys&) = delete;

  // The same answer as crypto::open(*keyring, context, envelope). Thread-safe.
  boost::system::result<SecretBytes, OpenError> open(const std::shared_ptr<const Keyring>& keyring,
                                                     const Context& context, std::span<const std::uint8_t> envelope);

  std::size_t size() const;   // keys kept (for tests)
  void clear();               // drops (and wipes) every kept key

 private:
  struct Entry {
    std::weak_ptr<const Keyring> keyring;
    std::uint32_t key_version = 0;
    std::array<std::uint8_t, 32> salt{};
    SecretBytes key;
  };

  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;   // a handful: one per envelope served
};

}  // namespace dragops::crypto
