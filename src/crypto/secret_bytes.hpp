#pragma once
// Bytes that must never leak: wiped with OPENSSL_cleanse when dropped or overwritten, no stream
// operator, no implicit conversion to std::string. Read them through view() at the one place
// that needs the plaintext (an HTTP body, a cipher call), and let them go out of scope.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace dragops::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);                    // zero-filled
  explicit SecretBytes(std::span<const std::uint8_t> bytes);
  static SecretBytes from_string(std::string_view text);     // copies; caller wipes its own copy

  SecretBytes(const SecretBytes& other);
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::span<const std::uint8_t> span() const { return bytes_; }
  std::span<std::uint8_t> span() { return bytes_; }
  // An explicit, greppable view of the plaintext as characters.
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()}; }

  void clear();  // wipes and empties
  // Constant-time comparison.
  bool equals(const SecretBytes& other) const;

 private:
  void wipe();
  std::vector<std::uint8_t> bytes_;
};

// Wipes any buffer (for std::string bodies that held plaintext).
void wipe(void* data, std::size_t size);

}  // namespace dragops::crypto
