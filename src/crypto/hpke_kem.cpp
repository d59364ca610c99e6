// DHKEM(P-256, HKDF-SHA256) (RFC 9180 4.1 and 7.1) on OpenSSL 3.0: EC keys as EVP_PKEYs built
// from their serialized forms, ECDH through EVP_PKEY_derive, and the public point of a derived
// scalar through EC_POINT_mul (OpenSSL 3.0's key import does not compute it).

#include "crypto/hpke_internal.hpp"
#include "crypto/openssl_handles.hpp"

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <vector>

namespace dragops::crypto::hpke {

struct PrivatePkey {
  PkeyHandle key;
};

namespace {

constexpr char kGroupName[] = SN_X9_62_prime256v1;
constexpr std::uint8_t kUncompressedPoint = 0x04;

// Read-only after construction, so one per process serves every thread.
const EC_GROUP* p256() {
  static const EcGroupHandle group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  return group.get();
}

// The scalar of a serialized private key, if it is one: 32 bytes, 0 < sk < n.
BignumHandle scalar_of(std::span<const std::uint8_t> private_key) {
  if (private_key.size() != kPrivateKeySize || p256() == nullptr) return nullptr;
  BignumHandle scalar(BN_secure_new());
  if (!scalar || BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), scalar.get()) == nullptr) {
    return nullptr;
  }
  if (BN_is_zero(scalar.get()) || BN_cmp(scalar.get(), EC_GROUP_get0_order(p256())) >= 0) return nullptr;
  return scalar;
}

// pk(sk) = sk * G, serialized uncompressed.
bool public_point_of(const BIGNUM* scalar, PublicKey& out) {
  EcPointHandle point(EC_POINT_new(p256()));
  BignumContextHandle bn_context(BN_CTX_secure_new());
  if (!point || !bn_context) return false;
  if (EC_POINT_mul(p256(), point.get(), scalar, nullptr, nullptr, bn_context.get()) != 1) return false;
  return EC_POINT_point2oct(p256(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                            bn_context.get()) == out.size();
}

// DeserializePublicKey's checks: the uncompressed encoding of a point on the curve (which
// excludes the point at infinity, whose encoding is the single byte 0x00).
bool is_public_key(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kPublicKeySize || bytes[0] != kUncompressedPoint || p256() == nullptr) return false;
  EcPointHandle point(EC_POINT_new(p256()));
  return point && EC_POINT_oct2point(p256(), point.get(), bytes.data(), bytes.size(), nullptr) == 1 &&
         EC_POINT_is_at_infinity(p256(), point.get()) == 0;
}

PkeyHandle pkey_from(OSSL_PARAM_BLD* builder, int selection) {
  ParamsHandle params(OSSL_PARAM_BLD_to_param(builder));
  PkeyContextHandle context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1) return nullptr;
  EVP_PKEY* made = nullptr;
  if (EVP_PKEY_fromdata(context.get(), &made, selection, params.get()) != 1) return nullptr;
  return PkeyHandle(made);
}

PkeyHandle public_pkey(std::span<const std::uint8_t> public_key) {
  if (!is_public_key(public_key)) return nullptr;
  ParamBuilderHandle builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, public_key.data(),
                                       public_key.size()) != 1) {
    return nullptr;
  }
  return pkey_from(builder.get(), EVP_PKEY_PUBLIC_KEY);
}

PkeyHandle build_private_pkey(const KeyPair& pair) {
  const BignumHandle scalar = scalar_of(pair.private_key.span());
  ParamBuilderHandle builder(OSSL_PARAM_BLD_new());
  if (!scalar || !builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroupName, 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, pair.public_key.data(),
                                       pair.public_key.size()) != 1) {
    return nullptr;
  }
  return pkey_from(builder.get(), EVP_PKEY_KEYPAIR);
}

// The pair's EVP_PKEY: the one built when the pair was made, else one built now into built.
EVP_PKEY* private_pkey(const KeyPair& pair, PkeyHandle& built) {
  if (pair.pkey && pair.pkey->key) return pair.pkey->key.get();
  built = build_private_pkey(pair);
  return built.get();
}

// DH(sk, pk): the x coordinate of sk * pk, 32 bytes. The peer key is checked again by OpenSSL.
Result<SecretBytes> diffie_hellman(EVP_PKEY* own, EVP_PKEY* peer) {
  PkeyContextHandle context(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!context || EVP_PKEY_derive_init(context.get()) != 1) return Error::crypto_failure;
  if (EVP_PKEY_derive_set_peer_ex(context.get(), peer, 1) != 1) return Error::invalid_public_key;
  SecretBytes shared(kSecretSize);
  std::size_t size = shared.size();
  if (EVP_PKEY_derive(context.get(), shared.data(), &size) != 1 || size != kSecretSize) return Error::crypto_failure;
  return shared;
}

// ExtractAndExpand(dh, kem_context) = LabeledExpand(LabeledExtract("", "eae_prk", dh),
// "shared_secret", kem_context, Nsecret), with kem_context = enc || pkRm.
Result<SecretBytes> extract_and_expand(const SecretBytes& dh, std::span<const std::uint8_t> enc,
                                       std::span<const std::uint8_t> recipient_public_key) {
  const auto suite = internal::kem_suite_id();
  std::vector<std::uint8_t> kem_context(enc.begin(), enc.end());
  kem_context.insert(kem_context.end(), recipient_public_key.begin(), recipient_public_key.end());
  SecretBytes eae_prk(kSecretSize);
  SecretBytes shared_secret(kSecretSize);
  if (!internal::labeled_extract(suite, {}, "eae_prk", dh.span(), eae_prk.span().first<kSecretSize>()) ||
      !internal::labeled_expand(suite, eae_prk.span(), "shared_secret", kem_context, shared_secret.span())) {
    return Error::crypto_failure;
  }
  return shared_secret;
}

}  // namespace

Result<KeyPair> key_pair_from_private_key(std::span<const std::uint8_t> private_key) {
  const BignumHandle scalar = scalar_of(private_key);
  if (!scalar) return Error::invalid_private_key;
  KeyPair pair{SecretBytes(private_key), {}, nullptr};
  if (!public_point_of(scalar.get(), pair.public_key)) return Error::crypto_failure;
  auto pkey = std::make_shared<PrivatePkey>();
  pkey->key = build_private_pkey(pair);
  if (!pkey->key) return Error::crypto_failure;
  pair.pkey = std::move(pkey);
  return pair;
}

Result<PublicKey> public_key_from_bytes(std::span<const std::uint8_t> bytes) {
  if (!is_public_key(bytes)) return Error::invalid_public_key;
  PublicKey key;
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

Result<KeyPair> generate_key_pair() {
  const PkeyHandle generated(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  BIGNUM* raw = nullptr;
  if (!generated || EVP_PKEY_get_bn_param(generated.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) {
    return Error::crypto_failure;
  }
  const BignumHandle scalar(raw);
  SecretBytes private_key(kPrivateKeySize);
  if (BN_bn2binpad(scalar.get(), private_key.data(), static_cast<int>(private_key.size())) != static_cast<int>(kPrivateKeySize)) {
    return Error::crypto_failure;
  }
  return key_pair_from_private_key(private_key.span());
}

// RFC 9180 7.1.3: candidates LabeledExpand(dkp_prk, "candidate", counter, 32) until one is in
// [1, n-1]. P-256's bitmask is 0xff, so no bit of a candidate is cleared.
Result<KeyPair> derive_key_pair(std::span<const std::uint8_t> ikm) {
  if (ikm.size() < kPrivateKeySize) return Error::derive_key_pair_failed;  // RFC 9180 7.1.3: Nsk bytes at least
  const auto suite = internal::kem_suite_id();
  SecretBytes dkp_prk(kSecretSize);
  if (!internal::labeled_extract(suite, {}, "dkp_prk", ikm, dkp_prk.span().first<kSecretSize>())) {
    return Error::crypto_failure;
  }
  SecretBytes candidate(kPrivateKeySize);
  for (unsigned counter = 0; counter <= 255; ++counter) {
    const std::uint8_t counter_byte = static_cast<std::uint8_t>(counter);
    if (!internal::labeled_expand(suite, dkp_prk.span(), "candidate", std::span(&counter_byte, 1), candidate.span())) {
      return Error::crypto_failure;
    }
    auto pair = key_pair_from_private_key(candidate.span());
    if (pair || pair.error() != Error::invalid_private_key) return pair;
  }
  return Error::derive_key_pair_failed;
}

namespace internal {

Result<Encapsulation> encap(std::span<const std::uint8_t> recipient_public_key, const KeyPair& ephemeral) {
  const PkeyHandle recipient = public_pkey(recipient_public_key);
  if (!recipient) return Error::invalid_public_key;
  PkeyHandle built;
  EVP_PKEY* own = private_pkey(ephemeral, built);
  if (own == nullptr) return Error::invalid_private_key;
  const auto dh = diffie_hellman(own, recipient.get());
  if (!dh) return dh.error();
  auto shared_secret = extract_and_expand(*dh, ephemeral.public_key, recipient_public_key);
  if (!shared_secret) return shared_secret.error();
  return Encapsulation{std::move(*shared_secret), ephemeral.public_key};
}

Result<SecretBytes> decap(std::span<const std::uint8_t> enc, const KeyPair& recipient) {
  const PkeyHandle ephemeral = public_pkey(enc);
  if (!ephemeral) return Error::invalid_public_key;
  PkeyHandle built;
  EVP_PKEY* own = private_pkey(recipient, built);
  if (own == nullptr) return Error::invalid_private_key;
  const auto dh = diffie_hellman(own, ephemeral.get());
  if (!dh) return dh.error();
  return extract_and_expand(*dh, enc, recipient.public_key);
}

}  // namespace internal
}  // namespace dragops::crypto::hpke
