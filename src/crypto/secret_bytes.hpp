#pragma once
// Bytes that must never leak: wiped with OPENSSL_cleanse when dropped or overwritten, no stream
// operator, no implicit conversion to std::string. Read them through view() at the one place
// that needs the plaintext (an HTTP body, a cipher call), and let them go out of scope.

#include <cstddef>
#include <cstdint>
#include <span>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace dragops::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);                    // zero-filled
  // size bytes of unspecified content, for a caller about to overwrite all of them (a cipher's
  // output): skips the zero-fill, which costs as much as a fifth of opening 64 KiB.
  static SecretBytes for_overwrite(std::size_t size);
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
  // Leaves new elements uninitialised on resize; every constructor that promises content sets it.
  template <typename T>
  struct DefaultInitAllocator : std::allocator<T> {
    template <typename U>
    struct rebind {
      using other = DefaultInitAllocator<U>;
    };
    using std::allocator<T>::allocator;
    template <typename U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  };
  using Storage = std::vector<std::uint8_t, DefaultInitAllocator<std::uint8_t>>;

  void wipe();
  Storage bytes_;
};

// Wipes any buffer (for std::string bodies that held plaintext).
void wipe(void* data, std::size_t size);

}  // namespace dragops::crypto
