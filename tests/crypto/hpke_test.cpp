// HPKE's behaviour beyond the RFC's vectors: round trips, and errors as values for every wrong
// key, info, aad, enc, ciphertext and length.

#include "crypto/hpke.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

#include <set>

namespace dragops::crypto::hpke {
namespace {

using testing::bytes_of;
using testing::from_hex;
using testing::to_hex;

// RFC 9180 A.3.1 (base mode, P-256, AES-128-GCM): the recipient's ikm and the group order n.
const auto kIkmR = from_hex("668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550");
constexpr const char* kOrder = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

KeyPair recipient_pair() {
  auto pair = derive_key_pair(kIkmR);
  if (!pair) std::abort();
  return std::move(*pair);
}

std::vector<std::uint8_t> to_vector(const SecretBytes& bytes) { return {bytes.data(), bytes.data() + bytes.size()}; }

TEST(Hpke, RoundTripsWithBothAeadsAndAnyPlaintextLength) {
  const auto recipient = generate_key_pair();
  ASSERT_TRUE(recipient);
  for (const auto aead : {Aead::aes_128_gcm, Aead::aes_256_gcm}) {
    for (const std::size_t length : {0u, 1u, 15u, 16u, 17u, 1000u}) {
      const std::vector<std::uint8_t> plaintext(length, 0x5a);
      const auto sealed = seal_base(aead, recipient->public_key, bytes_of("info"), bytes_of("aad"), plaintext);
      ASSERT_TRUE(sealed);
      EXPECT_EQ(sealed->ciphertext.size(), length + kTagSize);
      const auto opened = open_base(aead, sealed->enc, *recipient, bytes_of("info"), bytes_of("aad"), sealed->ciphertext);
      ASSERT_TRUE(opened) << to_string(opened.error());
      EXPECT_EQ(to_vector(*opened), plaintext);
    }
  }
}

TEST(Hpke, ALoadedPairCarriesItsPrivateKeyBuiltOnceAndOpensLikeAPairWithout) {
  const auto loaded = key_pair_from_private_key(recipient_pair().private_key.span());
  ASSERT_TRUE(loaded);
  ASSERT_NE(loaded->pkey, nullptr);   // built where the key is loaded, not per open
  const KeyPair copy = *loaded;
  EXPECT_EQ(copy.pkey, loaded->pkey);   // copies share it
  const KeyPair by_hand{SecretBytes(loaded->private_key.span()), loaded->public_key, nullptr};
  const auto sealed = seal_base(Aead::aes_256_gcm, loaded->public_key, bytes_of("info"), bytes_of("aad"), bytes_of("v"));
  ASSERT_TRUE(sealed);
  for (const KeyPair* pair : {&*loaded, &copy, &by_hand}) {
    const auto opened = open_base(Aead::aes_256_gcm, sealed->enc, *pair, bytes_of("info"), bytes_of("aad"), sealed->ciphertext);
    ASSERT_TRUE(opened) << to_string(opened.error());
    EXPECT_EQ(opened->view(), "v");
  }
  const auto other = generate_key_pair();
  ASSERT_TRUE(other);
  ASSERT_NE(other->pkey, nullptr);
  EXPECT_FALSE(open_base(Aead::aes_256_gcm, sealed->enc, *other, bytes_of("info"), bytes_of("aad"), sealed->ciphertext));
}

TEST(Hpke, GeneratesDistinctValidKeyPairs) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const auto pair = generate_key_pair();
    ASSERT_TRUE(pair);
    const auto again = key_pair_from_private_key(pair->private_key.span());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->public_key, pair->public_key);
    EXPECT_TRUE(public_key_from_bytes(pair->public_key));
    seen.insert(to_hex({pair->private_key.data(), pair->private_key.data() + pair->private_key.size()}));
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(Hpke, SealsToAFreshEphemeralKeyEachTime) {
  const auto recipient = recipient_pair();
  const auto a = seal_base(Aead::aes_256_gcm, recipient.public_key, {}, {}, bytes_of("same"));
  const auto b = seal_base(Aead::aes_256_gcm, recipient.public_key, {}, {}, bytes_of("same"));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->enc, b->enc);
  EXPECT_NE(a->ciphertext, b->ciphertext);
}

TEST(Hpke, RefusesToOpenWithAWrongInfoAadKeyOrAead) {
  const auto recipient = recipient_pair();
  const auto other = generate_key_pair();
  ASSERT_TRUE(other);
  const auto sealed = seal_base(Aead::aes_256_gcm, recipient.public_key, bytes_of("ns/Connection/jira/api_token"),
                                bytes_of("aad"), bytes_of("hunter2"));
  ASSERT_TRUE(sealed);
  auto open = [&](const KeyPair& key, std::string_view info, std::string_view aad, Aead aead = Aead::aes_256_gcm) {
    return open_base(aead, sealed->enc, key, bytes_of(info), bytes_of(aad), sealed->ciphertext);
  };
  ASSERT_TRUE(open(recipient, "ns/Connection/jira/api_token", "aad"));
  for (const auto& result : {open(recipient, "ns/Connection/jira/email", "aad"),
                             open(recipient, "ns/Connection/jira/api_token", "aae"),
                             open(recipient, "ns/Connection/jira/api_token", ""),
                             open(*other, "ns/Connection/jira/api_token", "aad"),
                             open(recipient, "ns/Connection/jira/api_token", "aad", Aead::aes_128_gcm)}) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), Error::authentication_failed);
  }
}

TEST(Hpke, RejectsEverySingleBitFlipOfEncAndCiphertext) {
  const auto recipient = recipient_pair();
  const auto sealed = seal_base(Aead::aes_256_gcm, recipient.public_key, bytes_of("i"), bytes_of("a"), bytes_of("v"));
  ASSERT_TRUE(sealed);
  for (std::size_t bit = 0; bit < 8 * sealed->ciphertext.size(); ++bit) {
    auto ciphertext = sealed->ciphertext;
    ciphertext[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto opened = open_base(Aead::aes_256_gcm, sealed->enc, recipient, bytes_of("i"), bytes_of("a"), ciphertext);
    ASSERT_FALSE(opened) << "ciphertext bit " << bit;
    EXPECT_EQ(opened.error(), Error::authentication_failed);
  }
  for (std::size_t bit = 0; bit < 8 * sealed->enc.size(); ++bit) {
    auto enc = sealed->enc;
    enc[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto opened = open_base(Aead::aes_256_gcm, enc, recipient, bytes_of("i"), bytes_of("a"), sealed->ciphertext);
    ASSERT_FALSE(opened) << "enc bit " << bit;
    // A flipped point is almost never on the curve; if it is, the shared secret differs.
    EXPECT_TRUE(opened.error() == Error::invalid_public_key || opened.error() == Error::authentication_failed);
  }
}

TEST(Hpke, RejectsTruncatedAndExtendedCiphertexts) {
  const auto recipient = recipient_pair();
  const auto sealed = seal_base(Aead::aes_256_gcm, recipient.public_key, {}, {}, bytes_of("twenty bytes of text"));
  ASSERT_TRUE(sealed);
  for (std::size_t size = 0; size < sealed->ciphertext.size(); ++size) {
    const std::span<const std::uint8_t> cut(sealed->ciphertext.data(), size);
    const auto opened = open_base(Aead::aes_256_gcm, sealed->enc, recipient, {}, {}, cut);
    ASSERT_FALSE(opened) << size;
    EXPECT_EQ(opened.error(), Error::authentication_failed);
  }
  auto longer = sealed->ciphertext;
  longer.push_back(0);
  EXPECT_FALSE(open_base(Aead::aes_256_gcm, sealed->enc, recipient, {}, {}, longer));
  EXPECT_FALSE(open_base(Aead::aes_256_gcm, std::span(sealed->enc).first(64), recipient, {}, {}, sealed->ciphertext));
}

TEST(Hpke, RefusesPublicKeysThatAreNotUncompressedP256Points) {
  const auto recipient = recipient_pair();
  auto not_on_curve = recipient.public_key;
  not_on_curve[64] ^= 1;
  auto compressed = std::vector<std::uint8_t>(recipient.public_key.begin(), recipient.public_key.begin() + 33);
  compressed[0] = 0x02 | (recipient.public_key[64] & 1);
  auto bad_prefix = recipient.public_key;
  bad_prefix[0] = 0x06;  // hybrid form
  const std::vector<std::vector<std::uint8_t>> bad = {
      {},
      {0x00},  // the point at infinity
      compressed,
      std::vector<std::uint8_t>(not_on_curve.begin(), not_on_curve.end()),
      std::vector<std::uint8_t>(bad_prefix.begin(), bad_prefix.end()),
      std::vector<std::uint8_t>(65, 0),
      std::vector<std::uint8_t>(recipient.public_key.begin(), recipient.public_key.end() - 1),
  };
  for (const auto& key : bad) {
    EXPECT_EQ(public_key_from_bytes(key).error(), Error::invalid_public_key) << to_hex(key);
    const auto sealed = seal_base(Aead::aes_256_gcm, key, {}, {}, bytes_of("x"));
    ASSERT_FALSE(sealed) << to_hex(key);
    EXPECT_EQ(sealed.error(), Error::invalid_public_key);
    EXPECT_EQ(open_base(Aead::aes_256_gcm, key, recipient, {}, {}, std::vector<std::uint8_t>(16)).error(),
              Error::invalid_public_key);
  }
}

TEST(Hpke, RefusesPrivateKeysOutsideOneToOrderMinusOne) {
  auto order = from_hex(kOrder);
  auto order_minus_one = order;
  order_minus_one.back() -= 1;
  auto above = order;
  above.back() += 1;
  for (const auto& key : {std::vector<std::uint8_t>(32, 0), order, above, std::vector<std::uint8_t>(32, 0xff),
                          std::vector<std::uint8_t>(31, 1), std::vector<std::uint8_t>(33, 1)}) {
    const auto pair = key_pair_from_private_key(key);
    ASSERT_FALSE(pair) << to_hex(key);
    EXPECT_EQ(pair.error(), Error::invalid_private_key);
  }
  EXPECT_TRUE(key_pair_from_private_key(order_minus_one));
  std::vector<std::uint8_t> one(32, 0);
  one.back() = 1;
  const auto generator = key_pair_from_private_key(one);
  ASSERT_TRUE(generator);
  EXPECT_EQ(to_hex({generator->public_key.begin(), generator->public_key.end()}),
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
            "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
}

TEST(Hpke, DeriveKeyPairIsDeterministicAndRefusesShortInput) {
  const auto a = derive_key_pair(kIkmR);
  const auto b = derive_key_pair(kIkmR);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->private_key.equals(b->private_key));
  EXPECT_EQ(derive_key_pair(std::vector<std::uint8_t>(31, 7)).error(), Error::derive_key_pair_failed);
}

TEST(HpkeContext, OpensMessagesOnlyInTheOrderTheyWereSealed) {
  const auto recipient = recipient_pair();
  auto sender = setup_base_s(Aead::aes_256_gcm, recipient.public_key, bytes_of("info"));
  ASSERT_TRUE(sender);
  auto receiver = setup_base_r(Aead::aes_256_gcm, sender->enc(), recipient, bytes_of("info"));
  ASSERT_TRUE(receiver);
  const auto first = sender->seal(bytes_of("a"), bytes_of("one"));
  const auto second = sender->seal(bytes_of("a"), bytes_of("two"));
  ASSERT_TRUE(first && second);
  // The second message under the first sequence number does not open, and does not advance it.
  EXPECT_EQ(receiver->open(bytes_of("a"), *second).error(), Error::authentication_failed);
  const auto one = receiver->open(bytes_of("a"), *first);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->view(), "one");
  const auto two = receiver->open(bytes_of("a"), *second);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->view(), "two");
}

TEST(HpkeContext, ExportsTheSameSecretsOnBothSidesAndBoundsTheirLength) {
  const auto recipient = recipient_pair();
  auto sender = setup_base_s(Aead::aes_256_gcm, recipient.public_key, bytes_of("info"));
  ASSERT_TRUE(sender);
  auto receiver = setup_base_r(Aead::aes_256_gcm, sender->enc(), recipient, bytes_of("info"));
  ASSERT_TRUE(receiver);
  const auto sent = sender->export_secret(bytes_of("context"), 42);
  const auto received = receiver->export_secret(bytes_of("context"), 42);
  const auto other = receiver->export_secret(bytes_of("other context"), 42);
  ASSERT_TRUE(sent && received && other);
  EXPECT_EQ(sent->size(), 42u);
  EXPECT_TRUE(sent->equals(*received));
  EXPECT_FALSE(sent->equals(*other));
  EXPECT_TRUE(receiver->export_secret({}, kMaxExportSize));
  EXPECT_EQ(receiver->export_secret({}, kMaxExportSize + 1).error(), Error::export_too_long);
  EXPECT_EQ(receiver->export_secret({}, 0)->size(), 0u);
}

}  // namespace
}  // namespace dragops::crypto::hpke
