#include "oauth/pkce.hpp"

#include <gtest/gtest.h>

#include <set>

namespace dragops::oauth {
namespace {

TEST(PkceChallenge, MatchesTheRfc7636AppendixBExample) {
  EXPECT_EQ(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(MakePkce, GivesAValidVerifierAndItsChallenge) {
  const Pkce pkce = make_pkce();
  EXPECT_EQ(pkce.verifier.size(), 43u);
  EXPECT_TRUE(is_valid_pkce_verifier(pkce.verifier.view()));
  EXPECT_EQ(pkce.challenge, pkce_challenge(pkce.verifier.view()));
}

TEST(MakePkce, NeverRepeatsAVerifier) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(seen.insert(std::string(make_pkce().verifier.view())).second);
}

TEST(DerivePkce, IsStableForOneNonceAndDiffersAcrossNoncesAndKeys) {
  const auto key = crypto::SecretBytes::from_string(std::string(32, 'k'));
  const auto other_key = crypto::SecretBytes::from_string(std::string(32, 'q'));
  const Pkce a = derive_pkce(key, "nonce-1");
  EXPECT_TRUE(a.verifier.equals(derive_pkce(key, "nonce-1").verifier));
  EXPECT_FALSE(a.verifier.equals(derive_pkce(key, "nonce-2").verifier));
  EXPECT_FALSE(a.verifier.equals(derive_pkce(other_key, "nonce-1").verifier));
  EXPECT_TRUE(is_valid_pkce_verifier(a.verifier.view()));
  EXPECT_EQ(a.challenge, pkce_challenge(a.verifier.view()));
}

TEST(PkceVerifier, MustBe43To128UnreservedCharacters) {
  EXPECT_FALSE(is_valid_pkce_verifier(std::string(42, 'a')));
  EXPECT_TRUE(is_valid_pkce_verifier(std::string(43, 'a')));
  EXPECT_TRUE(is_valid_pkce_verifier(std::string(128, '~')));
  EXPECT_FALSE(is_valid_pkce_verifier(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_pkce_verifier(std::string(42, 'a') + "+"));
}

}  // namespace
}  // namespace dragops::oauth
