#include "oidc.hpp"

#include "crypto/secret_bytes.hpp"
#include "oauth/encoding.hpp"
#include "oauth/token_request.hpp"

#include <boost/json.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace dragops::dashboard::oidc {
namespace json = boost::json;
namespace {

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<std::vector<std::uint8_t>> b64(std::string_view text) { return oauth::base64url_decode(text); }

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

std::shared_ptr<EVP_PKEY> rsa_key(const std::vector<std::uint8_t>& n, const std::vector<std::uint8_t>& e) {
  if (n.size() < 256 || e.empty() || e.size() > 8) return nullptr;   // 2048 bits at least
  BIGNUM* bn_n = BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  if (bn_n && bn_e && bld && ctx && BN_num_bits(bn_n) >= 2048 && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
      EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key ? std::shared_ptr<EVP_PKEY>(key, PkeyDeleter{}) : nullptr;
}

std::shared_ptr<EVP_PKEY> ec_key(const std::vector<std::uint8_t>& x, const std::vector<std::uint8_t>& y) {
  if (x.size() != 32 || y.size() != 32) return nullptr;
  std::vector<std::uint8_t> point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  if (!key) return nullptr;
  // fromdata does not check that the point is on the curve: the public check does.
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  const bool valid = check && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!valid) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return std::shared_ptr<EVP_PKEY>(key, PkeyDeleter{});
}

// RS256: PKCS#1 v1.5 with SHA-256. ES256: the raw 64-byte R||S, turned into DER for OpenSSL.
bool verify_signature(std::string_view alg, EVP_PKEY* key, std::string_view signed_part,
                      const std::vector<std::uint8_t>& signature) {
  std::vector<std::uint8_t> der;
  const std::vector<std::uint8_t>* sig = &signature;
  if (alg == "ES256") {
    if (signature.size() != 64) return false;
    ECDSA_SIG* ecdsa = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(signature.data(), 32, nullptr);
    BIGNUM* s = BN_bin2bn(signature.data() + 32, 32, nullptr);
    if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa, r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ECDSA_SIG_free(ecdsa);
      return false;
    }
    int size = i2d_ECDSA_SIG(ecdsa, nullptr);
    if (size > 0) {
      der.resize(static_cast<std::size_t>(size));
      unsigned char* out = der.data();
      i2d_ECDSA_SIG(ecdsa, &out);
    }
    ECDSA_SIG_free(ecdsa);
    if (der.empty()) return false;
    sig = &der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool good = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, sig->data(), sig->size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                               signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return good;
}

std::optional<std::int64_t> seconds_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() < (1ull << 62)) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double() && std::isfinite(v->as_double()) && std::abs(v->as_double()) < 1e15) {
    return static_cast<std::int64_t>(v->as_double());
  }
  return std::nullopt;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool loopback_http(std::string_view url) {
  return url.starts_with("http://127.") || url.starts_with("http://localhost:") || url.starts_with("http://localhost/") ||
         url.starts_with("http://[::1]");
}

bool acceptable_endpoint(std::string_view url) { return url.starts_with("https://") || loopback_http(url); }

}  // namespace

void throw_exception_from_error(const Error& error, const boost::source_location&) { throw std::runtime_error(error.message); }

Result<std::vector<Jwk>> parse_jwks(std::string_view text) {
  auto root = parse_object(text);
  if (!root) return Error{"the JWKS is not a JSON object"};
  const auto* keys = root->if_contains("keys");
  if (!keys || !keys->is_array()) return Error{"the JWKS has no keys array"};
  std::vector<Jwk> out;
  for (const auto& entry : keys->as_array()) {
    if (!entry.is_object()) continue;
    const auto& k = entry.as_object();
    const auto use = string_of(k, "use");
    if (!use.empty() && use != "sig") continue;
    Jwk jwk;
    jwk.kid = string_of(k, "kid");
    jwk.kty = string_of(k, "kty");
    jwk.alg = string_of(k, "alg");
    if (jwk.kty == "RSA") {
      auto n = b64(string_of(k, "n"));
      auto e = b64(string_of(k, "e"));
      if (n && e) jwk.key = rsa_key(*n, *e);
    } else if (jwk.kty == "EC" && string_of(k, "crv") == "P-256") {
      auto x = b64(string_of(k, "x"));
      auto y = b64(string_of(k, "y"));
      if (x && y) jwk.key = ec_key(*x, *y);
    }
    if (jwk.key) out.push_back(std::move(jwk));
  }
  return out;
}

Result<IdClaims> verify_id_token(std::string_view token, const std::vector<Jwk>& keys, const Expected& expected) {
  if (token.empty() || token.size() > 16384) return Error{"the ID token is empty or too large"};
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Error{"the ID token is not a compact JWS (three parts)"};
  }
  auto header_bytes = b64(token.substr(0, first));
  auto payload_bytes = b64(token.substr(first + 1, second - first - 1));
  auto signature = b64(token.substr(second + 1));
  if (!header_bytes || !payload_bytes || !signature) return Error{"the ID token is not base64url"};
  auto header = parse_object(std::string_view(reinterpret_cast<const char*>(header_bytes->data()), header_bytes->size()));
  if (!header) return Error{"the ID token's header is not a JSON object"};
  const auto alg = string_of(*header, "alg");
  if (alg != "RS256" && alg != "ES256") return Error{"the ID token's alg is not RS256 or ES256"};
  if (header->contains("crit")) return Error{"the ID token's header has crit parameters"};
  const std::string kty = alg == "RS256" ? "RSA" : "EC";
  const auto kid = string_of(*header, "kid");
  const Jwk* key = nullptr;
  std::size_t candidates = 0;
  for (const auto& k : keys) {
    if (k.kty != kty || (!k.alg.empty() && k.alg != alg)) continue;
    if (!kid.empty() ? k.kid == kid : true) {
      key = &k;
      ++candidates;
    }
  }
  if (!key) return Error{"unknown key: no key in the issuer's JWKS matches the ID token's kid and alg"};
  if (kid.empty() && candidates > 1) return Error{"the ID token names no kid and the JWKS has several keys"};
  if (!verify_signature(alg, key->key.get(), token.substr(0, second), *signature)) {
    return Error{"the ID token's signature does not verify with the issuer's key"};
  }
  auto payload = parse_object(std::string_view(reinterpret_cast<const char*>(payload_bytes->data()), payload_bytes->size()));
  if (!payload) return Error{"the ID token's payload is not a JSON object"};
  IdClaims claims;
  claims.issuer = string_of(*payload, "iss");
  if (claims.issuer != expected.issuer) return Error{"the ID token's iss is not the configured issuer"};
  bool audience_ok = false;
  std::size_t audiences = 0;
  if (const auto* aud = payload->if_contains("aud")) {
    if (aud->is_string()) {
      audiences = 1;
      audience_ok = aud->as_string() == expected.audience;
    } else if (aud->is_array()) {
      for (const auto& a : aud->as_array()) {
        ++audiences;
        if (a.is_string() && a.as_string() == expected.audience) audience_ok = true;
      }
    }
  }
  if (!audience_ok) return Error{"the ID token's aud does not name this client"};
  if (audiences > 1 && string_of(*payload, "azp") != expected.audience) {
    return Error{"the ID token has several audiences and its azp is not this client"};
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(expected.now.time_since_epoch()).count();
  const auto exp = seconds_of(*payload, "exp");
  if (!exp) return Error{"the ID token has no exp"};
  if (*exp <= now - expected.leeway.count()) return Error{"the ID token has expired"};
  if (auto nbf = seconds_of(*payload, "nbf"); nbf && *nbf > now + expected.leeway.count()) {
    return Error{"the ID token is not valid yet (nbf)"};
  }
  if (auto iat = seconds_of(*payload, "iat"); iat && *iat > now + expected.leeway.count()) {
    return Error{"the ID token was issued in the future (iat)"};
  }
  if (expected.nonce.empty() || !equal_constant_time(string_of(*payload, "nonce"), expected.nonce)) {
    return Error{"the ID token's nonce is not the one this sign-in sent"};
  }
  claims.subject = string_of(*payload, "sub");
  if (claims.subject.empty()) return Error{"the ID token has no sub"};
  claims.expires = SystemClock::time_point(std::chrono::seconds(*exp));
  return claims;
}

Result<ProviderMetadata> parse_discovery(std::string_view text, std::string_view expected_issuer) {
  auto root = parse_object(text);
  if (!root) return Error{"the discovery document is not a JSON object"};
  ProviderMetadata m{string_of(*root, "issuer"), string_of(*root, "authorization_endpoint"),
                     string_of(*root, "token_endpoint"), string_of(*root, "jwks_uri")};
  if (m.issuer != expected_issuer) return Error{"the discovery document's issuer is not --oidc-issuer-url"};
  for (const auto* url : {&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri}) {
    if (url->empty()) return Error{"the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri"};
    if (!acceptable_endpoint(*url)) return Error{"the discovery document names an endpoint that is not https"};
  }
  return m;
}

Client::Client(Options options, Fetch fetch, std::function<SystemClock::time_point()> now)
    : options_(std::move(options)), fetch_(std::move(fetch)), now_(std::move(now)) {}

Result<ProviderMetadata> Client::metadata() {
  std::lock_guard lock(mutex_);
  if (metadata_) return *metadata_;
  std::string base = options_.issuer_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  http::ClientRequest request;
  request.url = base + "/.well-known/openid-configuration";
  request.headers.push_back({"Accept", "application/json"});
  auto answer = fetch_(request);
  if (!answer) return Error{"the OIDC issuer's discovery cannot be fetched: " + answer.error().message};
  if (answer->status != 200) return Error{"the OIDC issuer's discovery answered " + std::to_string(answer->status)};
  auto parsed = parse_discovery(answer->body, options_.issuer_url);
  if (!parsed) return parsed.error();
  metadata_ = *parsed;
  return *parsed;
}

Result<std::vector<Jwk>> Client::keys(bool refresh) {
  auto meta = metadata();
  if (!meta) return meta.error();
  std::lock_guard lock(mutex_);
  const auto now = now_();
  if (!keys_.empty() && (!refresh || now - keys_fetched_ < std::chrono::minutes(1))) return keys_;
  http::ClientRequest request;
  request.url = meta->jwks_uri;
  request.headers.push_back({"Accept", "application/json"});
  auto answer = fetch_(request);
  if (!answer) return Error{"the OIDC issuer's JWKS cannot be fetched: " + answer.error().message};
  if (answer->status != 200) return Error{"the OIDC issuer's JWKS answered " + std::to_string(answer->status)};
  auto parsed = parse_jwks(answer->body);
  if (!parsed) return parsed.error();
  keys_ = std::move(*parsed);
  keys_fetched_ = now;
  return keys_;
}

Result<std::string> Client::authorization_url(std::string_view state, std::string_view nonce, std::string_view challenge) {
  auto meta = metadata();
  if (!meta) return meta.error();
  std::string url = meta->authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "response_type=code&client_id=" + oauth::percent_encode(options_.client_id) +
         "&redirect_uri=" + oauth::percent_encode(options_.redirect_url) + "&scope=" + oauth::percent_encode(options_.scopes) +
         "&state=" + oauth::percent_encode(state) + "&nonce=" + oauth::percent_encode(nonce) +
         "&code_challenge=" + oauth::percent_encode(challenge) + "&code_challenge_method=S256";
  return Result<std::string>(boost::system::in_place_value, std::move(url));
}

Result<SignIn> Client::exchange(std::string_view code, const crypto::SecretBytes& verifier, std::string_view nonce) {
  auto meta = metadata();
  if (!meta) return meta.error();
  http::ClientRequest request;
  request.method = "POST";
  request.url = meta->token_endpoint;
  request.headers.push_back({"Accept", "application/json"});
  request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  if (options_.client_secret.empty()) {
    oauth::FormBody form;
    form.add("grant_type", "authorization_code").add("code", code).add("redirect_uri", options_.redirect_url);
    form.add("code_verifier", verifier.view()).add("client_id", options_.client_id);
    auto body = form.take();
    request.body.assign(body.view());
  } else {
    oauth::ClientCredentials client{options_.client_id, crypto::SecretBytes::from_string(options_.client_secret.view()),
                                    oauth::ClientAuthMethod::client_secret_basic};
    auto form = oauth::authorization_code_request(meta->token_endpoint, client, code, options_.redirect_url, verifier.view());
    request.body.assign(form.body.view());
    request.headers.push_back({"Authorization", std::string(form.authorization.view())});
  }
  auto answer = fetch_(request);
  OPENSSL_cleanse(request.body.data(), request.body.size());
  for (auto& h : request.headers) OPENSSL_cleanse(h.value.data(), h.value.size());
  if (!answer) return Error{"the OIDC token endpoint cannot be reached: " + answer.error().message};
  auto parsed = parse_object(answer->body);
  OPENSSL_cleanse(answer->body.data(), answer->body.size());
  if (answer->status != 200) {
    std::string error = parsed ? string_of(*parsed, "error") : std::string();
    // The error code is a short ASCII word by RFC 6749; anything else is not echoed.
    if (error.size() > 64 || !std::all_of(error.begin(), error.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; })) {
      error.clear();
    }
    return Error{"the OIDC token endpoint answered " + std::to_string(answer->status) + (error.empty() ? "" : " (" + error + ")")};
  }
  if (!parsed) return Error{"the OIDC token endpoint's answer is not JSON"};
  std::string id_token = string_of(*parsed, "id_token");
  for (auto& [name, value] : *parsed) {
    if (value.is_string()) OPENSSL_cleanse(value.as_string().data(), value.as_string().size());
  }
  if (id_token.empty()) return Error{"the OIDC token endpoint returned no id_token (is the scope openid?)"};
  SignIn out{crypto::SecretBytes::from_string(id_token), {}};
  auto keys_now = keys(false);
  if (!keys_now) {
    OPENSSL_cleanse(id_token.data(), id_token.size());
    return keys_now.error();
  }
  Expected expected{options_.issuer_url, options_.client_id, std::string(nonce), now_()};
  auto claims = verify_id_token(id_token, *keys_now, expected);
  if (!claims && claims.error().message.starts_with("unknown key")) {
    if (auto fresh = keys(true)) claims = verify_id_token(id_token, *fresh, expected);
  }
  OPENSSL_cleanse(id_token.data(), id_token.size());
  if (!claims) return claims.error();
  out.claims = std::move(*claims);
  return out;
}

Result<Fetch> http_fetch(const std::string& ca_file) {
  http::ClientOptions options;
  options.tls.ca_file = ca_file;
  options.total_timeout = std::chrono::seconds(15);
  options.max_response_bytes = 1u << 20;
  auto client = http::Client::create(options);
  if (!client) return Error{"the OIDC client: " + client.error().message};
  std::shared_ptr<http::Client> shared = std::move(*client);
  return Fetch([shared](const http::ClientRequest& request) { return shared->send(request); });
}

}  // namespace dragops::dashboard::oidc
