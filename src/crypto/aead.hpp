#pragma once
// The AEAD primitive: AES-256-GCM (NIST SP 800-38D) through OpenSSL EVP, and AES-128-GCM, which
// only HPKE's AES-128-GCM suite uses (so that the RFC 9180 vectors of both suites apply).
//
// Any non-empty IV length is accepted (GCM hashes IVs other than 96 bits into the first counter
// block); the test vectors use 8 to 2056 bits. The tag is 4 to 16 bytes. The envelope only ever
// uses a 96-bit nonce and a 128-bit tag; the general form exists so that the independent test
// vectors exercise exactly this code.

#include <cstddef>
#include <cstdint>
#include <span>

namespace dragops::crypto {

inline constexpr std::size_t kAes128KeySize = 16;
inline constexpr std::size_t kAes256KeySize = 32;
inline constexpr std::size_t kGcmMinTagSize = 4;
inline constexpr std::size_t kGcmMaxTagSize = 16;

// ciphertext must be as long as plaintext (they may be the same buffer); the tag length is
// tag.size(). False on bad parameters (key not 32 bytes, empty IV, tag size out of range).
[[nodiscard]] bool aes256gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                     std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                                     std::span<std::uint8_t> ciphertext, std::span<std::uint8_t> tag);

// plaintext must be as long as ciphertext. False on bad parameters or when the tag does not
// verify; plaintext is then zeroed so that no unauthenticated bytes escape.
[[nodiscard]] bool aes256gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                     std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
                                     std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext);

// The same for a 16-byte key.
[[nodiscard]] bool aes128gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                     std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                                     std::span<std::uint8_t> ciphertext, std::span<std::uint8_t> tag);
[[nodiscard]] bool aes128gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                                     std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
                                     std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext);

}  // namespace dragops::crypto
