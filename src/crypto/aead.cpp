#include "crypto/aead.hpp"

#include "crypto/openssl_handles.hpp"
#include "crypto/secret_bytes.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/modes.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace dragops::crypto {
namespace {

// OpenSSL's GCM provider takes IVs of up to 1024 bits; longer ones (legal in SP 800-38D, and in
// Wycheproof) go through OpenSSL's GCM128 mode code, with the block cipher still driven by EVP.
constexpr std::size_t kEvpMaxIvSize = 1024 / 8;

enum class Direction { encrypt, decrypt };
enum class KeySize { aes128 = kAes128KeySize, aes256 = kAes256KeySize };

// Fetching is costly in OpenSSL 3; do it once per process.
const EVP_CIPHER* gcm_cipher(KeySize size) {
  static const CipherHandle aes128(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr));
  static const CipherHandle aes256(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  return size == KeySize::aes128 ? aes128.get() : aes256.get();
}
const EVP_CIPHER* ecb_cipher(KeySize size) {
  static const CipherHandle aes128(EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr));
  static const CipherHandle aes256(EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr));
  return size == KeySize::aes128 ? aes128.get() : aes256.get();
}

using Gcm128Handle = std::unique_ptr<GCM128_CONTEXT, OpenSslDeleter<&CRYPTO_gcm128_release>>;

bool fits_int(std::size_t size) { return size <= static_cast<std::size_t>(INT_MAX); }

bool parameters_ok(KeySize size, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                   std::span<const std::uint8_t> aad, std::size_t in_size, std::size_t out_size,
                   std::size_t tag_size) {
  return key.size() == static_cast<std::size_t>(size) && !iv.empty() && in_size == out_size && tag_size >= kGcmMinTagSize &&
         tag_size <= kGcmMaxTagSize && fits_int(aad.size()) && fits_int(in_size) && fits_int(iv.size());
}

// Each thread keeps one GCM context: re-keying it costs about half of creating one, which is
// most of the primitive's cost on short values. Every call sets direction, IV length, key and
// IV afresh, and a call that fails drops the context, so nothing carries from one call to the
// next (the Wycheproof and NIST runs, thousands of mixed calls on one thread, check this).
// One context per key size, since a context is bound to its cipher.
CipherContextHandle& thread_gcm_context(KeySize size) {
  thread_local CipherContextHandle aes128;
  thread_local CipherContextHandle aes256;
  return size == KeySize::aes128 ? aes128 : aes256;
}

bool evp_gcm_on(EVP_CIPHER_CTX* ctx, Direction direction, std::span<const std::uint8_t> key,
                std::span<const std::uint8_t> iv, std::span<const std::uint8_t> aad,
                std::span<const std::uint8_t> in, std::span<std::uint8_t> out, std::span<std::uint8_t> tag) {
  const int enc = direction == Direction::encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, nullptr, enc) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1) return false;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), iv.data(), enc) != 1) return false;
  int written = 0;
  if (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  written = 0;
  if (!in.empty() && EVP_CipherUpdate(ctx, out.data(), &written, in.data(), static_cast<int>(in.size())) != 1) {
    return false;
  }
  if (enc == 0 && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()), tag.data()) != 1) {
    return false;
  }
  // GCM emits nothing at the end, but hand it a valid pointer anyway. On decrypt the tag is
  // checked here.
  unsigned char tail[16];
  int tail_written = 0;
  if (EVP_CipherFinal_ex(ctx, tail, &tail_written) != 1) return false;
  return enc == 0 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()), tag.data()) == 1;
}

// One-shot GCM through the EVP provider (IV up to 128 bytes). On decrypt, tag is the expected
// tag; on encrypt it receives the computed one.
bool evp_gcm(KeySize size, Direction direction, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
             std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
             std::span<std::uint8_t> tag) {
  auto& context = thread_gcm_context(size);
  if (!context) {
    CipherContextHandle made(EVP_CIPHER_CTX_new());
    if (!made || gcm_cipher(size) == nullptr ||
        EVP_CipherInit_ex(made.get(), gcm_cipher(size), nullptr, nullptr, nullptr, 1) != 1) {
      return false;
    }
    context = std::move(made);
  }
  if (evp_gcm_on(context.get(), direction, key, iv, aad, in, out, tag)) return true;
  context.reset();  // a failed call may leave any state behind: start the next one clean
  return false;
}

// The block function GCM128 calls: one AES block through an ECB context.
void ecb_block(const unsigned char in[16], unsigned char out[16], const void* key) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(const_cast<void*>(key));
  int written = 0;
  // Cannot fail for one block on an initialised ECB context.
  (void)EVP_EncryptUpdate(ctx, out, &written, in, 16);
}

// GCM for IVs longer than the provider accepts.
bool long_iv_gcm(KeySize size, Direction direction, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                 std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                 std::span<std::uint8_t> tag) {
  CipherContextHandle block(EVP_CIPHER_CTX_new());
  if (!block || ecb_cipher(size) == nullptr) return false;
  if (EVP_EncryptInit_ex(block.get(), ecb_cipher(size), nullptr, key.data(), nullptr) != 1) return false;
  EVP_CIPHER_CTX_set_padding(block.get(), 0);
  Gcm128Handle gcm(CRYPTO_gcm128_new(block.get(), &ecb_block));
  if (!gcm) return false;
  CRYPTO_gcm128_setiv(gcm.get(), iv.data(), iv.size());
  if (!aad.empty() && CRYPTO_gcm128_aad(gcm.get(), aad.data(), aad.size()) != 0) return false;
  if (direction == Direction::encrypt) {
    if (!in.empty() && CRYPTO_gcm128_encrypt(gcm.get(), in.data(), out.data(), in.size()) != 0) return false;
    CRYPTO_gcm128_tag(gcm.get(), tag.data(), tag.size());
    return true;
  }
  if (!in.empty() && CRYPTO_gcm128_decrypt(gcm.get(), in.data(), out.data(), in.size()) != 0) return false;
  return CRYPTO_gcm128_finish(gcm.get(), tag.data(), tag.size()) == 0;  // constant-time compare
}

bool run(KeySize size, Direction direction, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
         std::span<const std::uint8_t> aad, std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
         std::span<std::uint8_t> tag) {
  if (!parameters_ok(size, key, iv, aad, in.size(), out.size(), tag.size())) return false;
  return iv.size() <= kEvpMaxIvSize ? evp_gcm(size, direction, key, iv, aad, in, out, tag)
                                    : long_iv_gcm(size, direction, key, iv, aad, in, out, tag);
}

bool decrypt(KeySize size, std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
             std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
             std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext) {
  // EVP wants a writable tag pointer for SET_TAG; copy the (public) tag.
  std::uint8_t expected[kGcmMaxTagSize];
  if (tag.size() > sizeof expected) return false;
  std::copy(tag.begin(), tag.end(), expected);
  const bool ok = run(size, Direction::decrypt, key, iv, aad, ciphertext, plaintext, std::span(expected, tag.size()));
  if (!ok && plaintext.size() == ciphertext.size()) wipe(plaintext.data(), plaintext.size());
  return ok;
}

}  // namespace

bool aes256gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                       std::span<std::uint8_t> ciphertext, std::span<std::uint8_t> tag) {
  return run(KeySize::aes256, Direction::encrypt, key, iv, aad, plaintext, ciphertext, tag);
}

bool aes256gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
                       std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext) {
  return decrypt(KeySize::aes256, key, iv, aad, ciphertext, tag, plaintext);
}

bool aes128gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext,
                       std::span<std::uint8_t> ciphertext, std::span<std::uint8_t> tag) {
  return run(KeySize::aes128, Direction::encrypt, key, iv, aad, plaintext, ciphertext, tag);
}

bool aes128gcm_decrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> iv,
                       std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext,
                       std::span<const std::uint8_t> tag, std::span<std::uint8_t> plaintext) {
  return decrypt(KeySize::aes128, key, iv, aad, ciphertext, tag, plaintext);
}

}  // namespace dragops::crypto
