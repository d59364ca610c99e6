#include "crypto/envelope_keys.hpp"

#include "crypto/aead.hpp"
#include "crypto/envelope_format.hpp"

#include <algorithm>

namespace dragops::crypto {
namespace format = envelope_format;

namespace {

// The same ring: owner equivalence, so a ring freed and another allocated at its address do not
// compare equal (the weak_ptr keeps the old control block alive).
bool same_ring(const std::weak_ptr<const Keyring>& kept, const std::shared_ptr<const Keyring>& ring) {
  return !kept.owner_before(ring) && !ring.owner_before(kept);
}

}  // namespace

boost::system::result<SecretBytes, OpenError> EnvelopeKeys::open(const std::shared_ptr<const Keyring>& keyring,
                                                                 const Context& context,
                                                                 std::span<const std::uint8_t> envelope) {
  if (!keyring) return OpenError::unknown_key_version;
  const auto key_version = key_version_of(envelope);
  if (!key_version) return key_version.error();
  const auto salt = envelope.subspan(format::kSaltOffset, format::kSaltSize);

  std::lock_guard lock(mutex_);
  for (const auto& entry : entries_) {
    if (entry.key_version == *key_version && same_ring(entry.keyring, keyring) &&
        std::equal(salt.begin(), salt.end(), entry.salt.begin())) {
      return format::open_with_envelope_key(entry.key.span(), context, envelope);
    }
  }
  const SecretBytes* data_key = keyring->key(*key_version);
  if (data_key == nullptr) return OpenError::unknown_key_version;
  SecretBytes key(kAes256KeySize);
  if (!format::derive_envelope_key(*data_key, envelope, key.span())) return OpenError::authentication_failed;
  auto opened = format::open_with_envelope_key(key.span(), context, envelope);
  if (!opened) return opened;

  // Keys of another ring are of no more use (the reader has moved on): drop them now.
  std::erase_if(entries_, [&](const Entry& entry) { return !same_ring(entry.keyring, keyring); });
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  Entry& entry = entries_.emplace_back();
  entry.keyring = keyring;
  entry.key_version = *key_version;
  std::copy(salt.begin(), salt.end(), entry.salt.begin());
  entry.key = std::move(key);
  return opened;
}

std::size_t EnvelopeKeys::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void EnvelopeKeys::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace dragops::crypto
