#pragma once
// OpenID Connect sign-in for the dashboard: discovery, the JWKS, the ID token's verification and
// the authorization-code exchange (with PKCE S256). The dashboard then uses the verified ID token
// as the user's bearer token for Kubernetes, whose API server trusts the same issuer
// (--oidc-issuer-url, --oidc-client-id): the API server authenticates it again on every call,
// this side only decides whether to open a session with it.
//
// verify_id_token() accepts RS256 and ES256 only (never `none`, never an HMAC algorithm, whose
// "key" would be the public JWK), a key from the issuer's JWKS (by kid), iss equal to the issuer,
// aud holding the client id (azp equal to it when aud names several), exp in the future and the
// nonce this browser's sign-in started with. Nothing here logs or returns a token, a code or the
// PKCE verifier; error messages name the failed check only.

#include "crypto/secret_bytes.hpp"
#include "http/client.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace dragops::dashboard::oidc {

using SystemClock = std::chrono::system_clock;

// What failed, in words that name the check and never a token, a code or a secret.
struct Error {
  Error() = default;
  explicit Error(std::string text) : message(std::move(text)) {}
  std::string message;
};
[[noreturn]] void throw_exception_from_error(const Error& error, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

struct Jwk {
  std::string kid;
  std::string kty;   // "RSA" or "EC" (P-256)
  std::string alg;   // "" when the JWK does not pin one
  std::shared_ptr<EVP_PKEY> key;
};

// The signing keys of a JWKS document ({"keys":[...]}); keys of other types, curves or uses are
// skipped, an RSA modulus under 2048 bits too. An error when the document is not a JWKS.
Result<std::vector<Jwk>> parse_jwks(std::string_view json);

struct Expected {
  std::string issuer;
  std::string audience;   // the client id
  std::string nonce;
  SystemClock::time_point now;
  std::chrono::seconds leeway{30};
};

struct IdClaims {
  std::string subject;
  std::string issuer;
  SystemClock::time_point expires;
};

// Verifies a compact JWS ID token. When kid names no key in keys, the error starts with
// "unknown key" (the caller may fetch the JWKS again once).
Result<IdClaims> verify_id_token(std::string_view token, const std::vector<Jwk>& keys, const Expected& expected);

struct ProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

// /.well-known/openid-configuration; its issuer must equal expected_issuer exactly (OIDC
// Discovery 4.3) and every endpoint must be https (http only on a loopback address).
Result<ProviderMetadata> parse_discovery(std::string_view json, std::string_view expected_issuer);

struct Options {
  std::string issuer_url;
  std::string client_id;
  crypto::SecretBytes client_secret;   // empty: a public client (PKCE only)
  std::string redirect_url;            // <external URL>/oidc/callback
  std::string scopes = "openid";
};

// One HTTP call to the provider (tests replace it).
using Fetch = std::function<http::ClientResult<http::ClientResponse>(const http::ClientRequest&)>;

struct SignIn {
  crypto::SecretBytes id_token;
  IdClaims claims;
};

// Thread-safe. Discovery and the JWKS are fetched on first use and kept; the JWKS is fetched
// again when a token names an unknown kid (at most once a minute).
class Client {
 public:
  Client(Options options, Fetch fetch, std::function<SystemClock::time_point()> now = [] { return SystemClock::now(); });

  // The provider's authorization URL for this state, nonce and PKCE challenge.
  Result<std::string> authorization_url(std::string_view state, std::string_view nonce, std::string_view challenge);
  // The code exchanged at the token endpoint (with the verifier), its ID token verified.
  Result<SignIn> exchange(std::string_view code, const crypto::SecretBytes& verifier, std::string_view nonce);

  const Options& options() const { return options_; }

 private:
  Result<ProviderMetadata> metadata();
  Result<std::vector<Jwk>> keys(bool refresh);

  Options options_;
  Fetch fetch_;
  std::function<SystemClock::time_point()> now_;
  std::mutex mutex_;
  std::optional<ProviderMetadata> metadata_;
  std::vector<Jwk> keys_;
  SystemClock::time_point keys_fetched_{};
};

// Fetch over an http::Client trusting ca_file ("" for the system store).
Result<Fetch> http_fetch(const std::string& ca_file);

}  // namespace dragops::dashboard::oidc
