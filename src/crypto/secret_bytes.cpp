#include "crypto/secret_bytes.hpp"

#include <openssl/crypto.h>

#include <algorithm>

namespace dragops::crypto {

void wipe(void* data, std::size_t size) {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

SecretBytes::SecretBytes(std::size_t size) : bytes_(size, 0) {}

SecretBytes SecretBytes::for_overwrite(std::size_t size) {
  SecretBytes out;
  out.bytes_.resize(size);  // default-initialised: no zero-fill
  return out;
}

SecretBytes::SecretBytes(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}

SecretBytes SecretBytes::from_string(std::string_view text) {
  return SecretBytes(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

SecretBytes::SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this == &other) return *this;
  // Assigning in place could reallocate and drop the old buffer unwiped; build the copy first.
  Storage copy(other.bytes_);
  wipe();
  bytes_.swap(copy);
  return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this == &other) return *this;
  wipe();
  bytes_ = std::move(other.bytes_);
  other.bytes_.clear();
  return *this;
}

SecretBytes::~SecretBytes() { wipe(); }

void SecretBytes::clear() {
  wipe();
  bytes_.clear();
  bytes_.shrink_to_fit();
}

bool SecretBytes::equals(const SecretBytes& other) const {
  if (bytes_.size() != other.bytes_.size()) return false;  // lengths are not secret
  return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

void SecretBytes::wipe() {
  // The whole capacity: a shrink may have left old bytes behind the end.
  crypto::wipe(bytes_.data(), bytes_.capacity());
}

}  // namespace dragops::crypto
