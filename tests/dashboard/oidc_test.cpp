// OIDC sign-in: the ID token verifier against forged tokens (alg none and HS256, wrong iss, aud
// and nonce, expired, a bad signature, an unknown key), discovery, and the dashboard's
// /oidc/login and /oidc/callback on a fake issuer and a fake API server.
#include "dashboard.hpp"
#include "oidc.hpp"
#include "web_security.hpp"

#include "oauth/encoding.hpp"
#include "oauth/pkce.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

namespace dragops::dashboard {
namespace {
namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kIssuer = "https://issuer.test";
constexpr std::string_view kClient = "dragops-dashboard";

std::string b64(std::string_view text) {
  return oauth::base64url_encode({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}
std::string b64(const std::vector<std::uint8_t>& bytes) { return oauth::base64url_encode(bytes); }

std::vector<std::uint8_t> bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

struct Keys {
  EVP_PKEY* rsa = EVP_RSA_gen(2048);
  EVP_PKEY* ec = EVP_EC_gen("P-256");
  EVP_PKEY* other_rsa = EVP_RSA_gen(2048);
  ~Keys() {
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(other_rsa);
  }
  json::object rsa_jwk(EVP_PKEY* key, std::string kid) const {
    return {{"kty", "RSA"}, {"kid", kid}, {"use", "sig"}, {"alg", "RS256"},
            {"n", b64(bn_param(key, OSSL_PKEY_PARAM_RSA_N))}, {"e", b64(bn_param(key, OSSL_PKEY_PARAM_RSA_E))}};
  }
  json::object ec_jwk() const {
    std::vector<std::uint8_t> point(65);
    std::size_t size = 0;
    EVP_PKEY_get_octet_string_param(ec, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &size);
    return {{"kty", "EC"}, {"kid", "ec-1"}, {"crv", "P-256"},
            {"x", b64(std::vector<std::uint8_t>(point.begin() + 1, point.begin() + 33))},
            {"y", b64(std::vector<std::uint8_t>(point.begin() + 33, point.end()))}};
  }
  std::string jwks() const {
    return json::serialize(json::object{{"keys", json::array{rsa_jwk(rsa, "rsa-1"), ec_jwk()}}});
  }
};

const Keys& keys() {
  static Keys k;
  return k;
}

std::vector<std::uint8_t> sign(EVP_PKEY* key, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  std::size_t size = 0;
  EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::vector<std::uint8_t> sig(size);
  EVP_DigestSign(ctx, sig.data(), &size, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(size);
  EVP_MD_CTX_free(ctx);
  return sig;
}

std::vector<std::uint8_t> der_to_raw(const std::vector<std::uint8_t>& der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::vector<std::uint8_t> raw(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json::object good_claims(std::string nonce = "nonce-1") {
  return {{"iss", kIssuer}, {"aud", kClient}, {"sub", "alice"}, {"nonce", nonce},
          {"iat", unix_now()}, {"exp", unix_now() + 300}};
}

// A token signed as alg says (RS256 with the RSA key, ES256 with the EC key; `signer` overrides).
std::string token(const json::object& claims, std::string alg = "RS256", std::string kid = "rsa-1", EVP_PKEY* signer = nullptr) {
  json::object header{{"alg", alg}, {"typ", "JWT"}};
  if (!kid.empty()) header["kid"] = kid;
  std::string input = b64(json::serialize(header)) + "." + b64(json::serialize(claims));
  if (alg == "RS256") return input + "." + b64(sign(signer ? signer : keys().rsa, input));
  if (alg == "ES256") return input + "." + b64(der_to_raw(sign(signer ? signer : keys().ec, input)));
  return input + ".";
}

oidc::Expected expected(std::string nonce = "nonce-1") {
  return {std::string(kIssuer), std::string(kClient), nonce, std::chrono::system_clock::now()};
}

std::vector<oidc::Jwk> jwks() {
  auto parsed = oidc::parse_jwks(keys().jwks());
  EXPECT_TRUE(parsed.has_value());
  return parsed ? *parsed : std::vector<oidc::Jwk>{};
}

TEST(OidcVerify, AcceptsRs256AndEs256TokensOfTheIssuer) {
  auto keys_now = jwks();
  ASSERT_EQ(keys_now.size(), 2u);
  auto rs = oidc::verify_id_token(token(good_claims()), keys_now, expected());
  ASSERT_TRUE(rs.has_value()) << rs.error().message;
  EXPECT_EQ(rs->subject, "alice");
  auto es = oidc::verify_id_token(token(good_claims(), "ES256", "ec-1"), keys_now, expected());
  ASSERT_TRUE(es.has_value()) << es.error().message;
  // aud as an array with azp
  auto claims = good_claims();
  claims["aud"] = json::array{kClient, "kubernetes"};
  claims["azp"] = kClient;
  EXPECT_TRUE(oidc::verify_id_token(token(claims), keys_now, expected()).has_value());
}

TEST(OidcVerify, RefusesForgedTokens) {
  auto keys_now = jwks();
  auto refused = [&](const std::string& t, std::string_view why, const oidc::Expected& e = expected()) {
    auto r = oidc::verify_id_token(t, keys_now, e);
    EXPECT_FALSE(r.has_value()) << why;
    if (!r && t.size() >= 20) {
      EXPECT_THAT(r.error().message, Not(HasSubstr(t.substr(0, 20)))) << "the error quotes the token";
    }
    return r ? std::string() : r.error().message;
  };
  auto claims = good_claims();
  EXPECT_THAT(refused(token(claims, "none"), "alg none"), HasSubstr("alg"));
  EXPECT_THAT(refused(token(claims, "none", ""), "alg none without kid"), HasSubstr("alg"));
  {
    // HS256 keyed with the public JWK's modulus (the algorithm-confusion attack).
    std::string input = b64(json::serialize(json::object{{"alg", "HS256"}, {"kid", "rsa-1"}})) + "." + b64(json::serialize(claims));
    auto n = bn_param(keys().rsa, OSSL_PKEY_PARAM_RSA_N);
    unsigned char mac[32];
    unsigned int size = 0;
    HMAC(EVP_sha256(), n.data(), static_cast<int>(n.size()), reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    EXPECT_THAT(refused(input + "." + b64(std::vector<std::uint8_t>(mac, mac + size)), "HS256"), HasSubstr("alg"));
  }
  EXPECT_THAT(refused(token(claims, "RS256", "rsa-1", keys().other_rsa), "signed by another key"), HasSubstr("signature"));
  EXPECT_THAT(refused(token(claims, "ES256", "rsa-1"), "ES256 naming the RSA key"), HasSubstr("unknown key"));
  EXPECT_THAT(refused(token(claims, "RS256", "rotated-away"), "unknown kid"), StartsWith("unknown key"));
  {
    auto t = token(claims);
    auto dot = t.find('.');
    auto other = good_claims();
    other["sub"] = "admin";
    auto tampered = t.substr(0, dot + 1) + b64(json::serialize(other)) + t.substr(t.rfind('.'));
    EXPECT_THAT(refused(tampered, "payload swapped"), HasSubstr("signature"));
  }
  auto with = [&](std::string_view key, json::value value) {
    auto c = good_claims();
    c[key] = std::move(value);
    return token(c);
  };
  EXPECT_THAT(refused(with("iss", "https://evil.test"), "wrong iss"), HasSubstr("iss"));
  EXPECT_THAT(refused(with("aud", "another-client"), "wrong aud"), HasSubstr("aud"));
  EXPECT_THAT(refused(with("aud", json::array{"another-client", kClient}), "several aud, no azp"), HasSubstr("azp"));
  EXPECT_THAT(refused(with("exp", unix_now() - 120), "expired"), HasSubstr("expired"));
  EXPECT_THAT(refused(with("exp", "tomorrow"), "exp not a number"), HasSubstr("exp"));
  EXPECT_THAT(refused(with("nbf", unix_now() + 3600), "not yet valid"), HasSubstr("nbf"));
  EXPECT_THAT(refused(with("nonce", "nonce-of-another-sign-in"), "wrong nonce"), HasSubstr("nonce"));
  {
    auto c = good_claims();
    c.erase("nonce");
    EXPECT_THAT(refused(token(c), "no nonce"), HasSubstr("nonce"));
  }
  EXPECT_THAT(refused(token(claims), "empty expected nonce", expected("")), HasSubstr("nonce"));
  EXPECT_THAT(refused(with("sub", ""), "no sub"), HasSubstr("sub"));
  {
    auto c = good_claims();
    json::object header{{"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", json::array{"exp"}}};
    std::string input = b64(json::serialize(header)) + "." + b64(json::serialize(c));
    EXPECT_THAT(refused(input + "." + b64(sign(keys().rsa, input)), "crit"), HasSubstr("crit"));
  }
  for (const std::string& bad : std::vector<std::string>{"", "a.b", "a.b.c.d", "!!!.???.***", token(claims) + "x", std::string(20000, 'a')}) {
    refused(bad, "malformed: " + bad.substr(0, 12));
  }
}

TEST(OidcVerify, JwksSkipsWeakAndForeignKeys) {
  EVP_PKEY* small = EVP_RSA_gen(1024);
  json::array list{keys().rsa_jwk(small, "small"),
                   json::object{{"kty", "oct"}, {"k", "c2VjcmV0"}},
                   json::object{{"kty", "EC"}, {"crv", "P-256"}, {"kid", "off-curve"}, {"x", b64(std::string(32, 'A'))}, {"y", b64(std::string(32, 'B'))}},
                   keys().rsa_jwk(keys().rsa, "enc-key")};
  list.back().as_object()["use"] = "enc";
  auto parsed = oidc::parse_jwks(json::serialize(json::object{{"keys", list}}));
  EVP_PKEY_free(small);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->empty());
  EXPECT_FALSE(oidc::parse_jwks("[]").has_value());
  EXPECT_FALSE(oidc::parse_jwks("{\"keys\":1}").has_value());
}

TEST(OidcDiscovery, NeedsTheSameIssuerAndHttpsEndpoints) {
  auto doc = [](std::string issuer, std::string token_endpoint) {
    return json::serialize(json::object{{"issuer", issuer}, {"authorization_endpoint", issuer + "/auth"},
                                        {"token_endpoint", token_endpoint}, {"jwks_uri", issuer + "/jwks"}});
  };
  std::string issuer(kIssuer);
  auto ok = oidc::parse_discovery(doc(issuer, issuer + "/token"), issuer);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->token_endpoint, issuer + "/token");
  EXPECT_THAT(oidc::parse_discovery(doc("https://other.test", issuer + "/token"), issuer).error().message, HasSubstr("issuer"));
  EXPECT_THAT(oidc::parse_discovery(doc(issuer, "http://issuer.test/token"), issuer).error().message, HasSubstr("https"));
  EXPECT_FALSE(oidc::parse_discovery("not json", issuer).has_value());
}

// --- the dashboard's sign-in flow on a fake issuer -----------------------------------------------

std::string query_value(std::string_view url, std::string_view name) {
  auto pos = url.find(std::string(name) + "=");
  while (pos != std::string_view::npos && pos > 0 && url[pos - 1] != '?' && url[pos - 1] != '&') {
    pos = url.find(std::string(name) + "=", pos + 1);
  }
  if (pos == std::string_view::npos) return {};
  auto start = pos + name.size() + 1;
  return std::string(url.substr(start, url.find('&', start) - start));
}

struct FakeIssuer {
  int token_calls = 0;
  std::string last_body;
  std::string id_token;   // what the token endpoint returns
  oidc::Fetch fetch() {
    return [this](const http::ClientRequest& r) -> http::ClientResult<http::ClientResponse> {
      http::ClientResponse out;
      out.status = 200;
      std::string issuer(kIssuer);
      if (r.url == issuer + "/.well-known/openid-configuration") {
        out.body = json::serialize(json::object{{"issuer", issuer}, {"authorization_endpoint", issuer + "/auth"},
                                                {"token_endpoint", issuer + "/token"}, {"jwks_uri", issuer + "/jwks"}});
      } else if (r.url == issuer + "/jwks") {
        out.body = keys().jwks();
      } else if (r.url == issuer + "/token" && r.method == "POST") {
        ++token_calls;
        last_body = r.body;
        out.body = json::serialize(json::object{{"access_token", "at"}, {"token_type", "Bearer"}, {"id_token", id_token}});
      } else {
        out.status = 404;
      }
      return out;
    };
  }
};

struct OidcFlow : ::testing::Test {
  SteadyClock::time_point now{};
  SessionStore sessions{{.idle_timeout = std::chrono::seconds(600), .max_age = std::chrono::seconds(3600)},
                        [this] { return now; }};
  FakeIssuer issuer;
  std::vector<std::string> kube_tokens;
  std::unique_ptr<Dashboard> dashboard;

  OidcFlow() {
    DashboardOptions options;
    oidc::Options o;
    o.issuer_url = std::string(kIssuer);
    o.client_id = std::string(kClient);
    o.redirect_url = "https://dash.test/oidc/callback";
    options.oidc = std::make_shared<oidc::Client>(std::move(o), issuer.fetch());
    dashboard = std::make_unique<Dashboard>(
        options, sessions,
        [this](const KubeRequest& request, std::string_view token) {
          kube_tokens.emplace_back(token);
          if (request.path == "/apis/authentication.k8s.io/v1/selfsubjectreviews") {
            return KubeAnswer{201, R"({"status":{"userInfo":{"username":"oidc:alice"}}})"};
          }
          return KubeAnswer{404, "{}"};
        },
        [](std::string_view) -> const Asset* { return nullptr; }, HttpGet{}, [this] { return now; });
  }

  http::Request get(std::string target, std::string cookie = {}) {
    http::Request r;
    r.method = "GET";
    r.target = std::move(target);
    r.headers = {{"host", "dash.test"}};
    if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
    return r;
  }

  struct Started {
    std::string cookie, state, nonce, challenge;
  };
  Started login() {
    auto response = (*dashboard)(get("/oidc/login"));
    EXPECT_EQ(response.status, 303) << response.body;
    std::string location(response.header("Location"));
    std::string set_cookie(response.header("Set-Cookie"));
    auto start = set_cookie.find('=') + 1;
    return {std::string(kOidcCookie) + "=" + set_cookie.substr(start, set_cookie.find(';') - start),
            query_value(location, "state"), query_value(location, "nonce"), query_value(location, "code_challenge")};
  }
};

TEST_F(OidcFlow, LoginRedirectsWithPkceStateAndNonceBoundToAPreSessionCookie) {
  auto response = (*dashboard)(get("/oidc/login"));
  ASSERT_EQ(response.status, 303);
  std::string location(response.header("Location"));
  EXPECT_THAT(location, StartsWith(std::string(kIssuer) + "/auth?response_type=code&client_id=dragops-dashboard"));
  EXPECT_THAT(location, HasSubstr("redirect_uri=https%3A%2F%2Fdash.test%2Foidc%2Fcallback"));
  EXPECT_THAT(location, HasSubstr("&scope=openid&"));
  EXPECT_THAT(location, HasSubstr("&code_challenge_method=S256"));
  EXPECT_EQ(query_value(location, "state").size(), 64u);
  EXPECT_EQ(query_value(location, "nonce").size(), 64u);
  EXPECT_EQ(query_value(location, "code_challenge").size(), 43u);
  std::string cookie(response.header("Set-Cookie"));
  EXPECT_THAT(cookie, StartsWith("dragops_oidc="));
  EXPECT_THAT(cookie, HasSubstr("; Path=/oidc/callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure"));
  // Neither the state nor the nonce is the cookie.
  EXPECT_THAT(cookie, Not(HasSubstr(query_value(location, "state"))));
  auto options = (*dashboard)(get("/api/sign-in-options"));
  EXPECT_EQ(options.body, R"({"oidc":true})");
}

TEST_F(OidcFlow, CallbackExchangesTheCodeAndOpensASessionThatEndsWithTheIdToken) {
  auto started = login();
  auto claims = good_claims(started.nonce);
  claims["exp"] = unix_now() + 120;   // sooner than the session's max age
  issuer.id_token = token(claims);
  auto response = (*dashboard)(get("/oidc/callback?code=the-code&state=" + started.state, started.cookie));
  ASSERT_EQ(response.status, 303) << response.body;
  EXPECT_EQ(response.header("Location"), "/");
  EXPECT_EQ(issuer.token_calls, 1);
  // PKCE: the verifier sent is the one whose S256 challenge went to the issuer.
  auto verifier = query_value(issuer.last_body, "code_verifier");
  EXPECT_EQ(oauth::pkce_challenge(verifier), started.challenge);
  EXPECT_THAT(issuer.last_body, HasSubstr("grant_type=authorization_code"));
  EXPECT_THAT(issuer.last_body, HasSubstr("code=the-code"));
  EXPECT_THAT(issuer.last_body, HasSubstr("client_id=dragops-dashboard"));
  // The API server saw the ID token as the bearer.
  ASSERT_EQ(kube_tokens.size(), 1u);
  EXPECT_EQ(kube_tokens[0], issuer.id_token);
  ASSERT_EQ(sessions.size(), 1u);
  std::string session_cookie;
  for (const auto& [name, value] : response.headers) {
    if (name == "Set-Cookie" && value.starts_with(kSessionCookie)) session_cookie = value;
  }
  ASSERT_FALSE(session_cookie.empty());
  EXPECT_THAT(session_cookie, HasSubstr("SameSite=Strict"));
  auto id = session_cookie.substr(kSessionCookie.size() + 1, 64);
  EXPECT_LE(sessions.remaining(id).count(), 120);
  EXPECT_GE(sessions.remaining(id).count(), 100);
  now += std::chrono::seconds(121);   // the ID token's exp has passed: so has the session
  EXPECT_FALSE(sessions.find(id).has_value());
  // The pre-session was used up: the same redirect again is refused.
  auto again = (*dashboard)(get("/oidc/callback?code=the-code&state=" + started.state, started.cookie));
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(issuer.token_calls, 1);
}

TEST_F(OidcFlow, CallbackWithAWrongStateOrNoCookieCreatesNoSession) {
  auto started = login();
  issuer.id_token = token(good_claims(started.nonce));
  auto wrong = (*dashboard)(get("/oidc/callback?code=c&state=" + std::string(64, 'a'), started.cookie));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_THAT(wrong.body, HasSubstr("state"));
  // The attempt is used up by the wrong try: the right state afterwards is refused too.
  auto after = (*dashboard)(get("/oidc/callback?code=c&state=" + started.state, started.cookie));
  EXPECT_EQ(after.status, 400);
  auto other = login();
  auto no_cookie = (*dashboard)(get("/oidc/callback?code=c&state=" + other.state));
  EXPECT_EQ(no_cookie.status, 400);
  auto foreign_cookie = (*dashboard)(get("/oidc/callback?code=c&state=" + other.state, "dragops_oidc=" + std::string(64, 'b')));
  EXPECT_EQ(foreign_cookie.status, 400);
  EXPECT_EQ(issuer.token_calls, 0);
  EXPECT_EQ(sessions.size(), 0u);
  EXPECT_TRUE(kube_tokens.empty());
}

TEST_F(OidcFlow, CallbackRefusesAnIdTokenWithAnotherNonceOrAnExpiredPreSession) {
  auto started = login();
  issuer.id_token = token(good_claims("nonce-of-another-sign-in"));
  auto response = (*dashboard)(get("/oidc/callback?code=c&state=" + started.state, started.cookie));
  EXPECT_EQ(response.status, 401);
  EXPECT_THAT(response.body, HasSubstr("nonce"));
  EXPECT_THAT(response.body, Not(HasSubstr(issuer.id_token.substr(0, 30))));
  auto late = login();
  now += std::chrono::seconds(601);
  auto expired = (*dashboard)(get("/oidc/callback?code=c&state=" + late.state, late.cookie));
  EXPECT_EQ(expired.status, 400);
  auto denied = login();
  auto refused = (*dashboard)(get("/oidc/callback?error=access_denied&state=" + denied.state, denied.cookie));
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(refused.body, HasSubstr("access_denied"));
  EXPECT_EQ(sessions.size(), 0u);
  EXPECT_TRUE(kube_tokens.empty());
}

TEST(OidcNotConfigured, NoLoginRouteAndTheSignInPageHidesTheButton) {
  SessionStore sessions;
  Dashboard dashboard(DashboardOptions{}, sessions, [](const KubeRequest&, std::string_view) { return KubeAnswer{404, ""}; },
                      [](std::string_view) -> const Asset* { return nullptr; });
  http::Request r;
  r.method = "GET";
  r.target = "/oidc/login";
  r.headers = {{"host", "dash.test"}};
  EXPECT_EQ(dashboard(r).status, 404);
  r.target = "/api/sign-in-options";
  EXPECT_EQ(dashboard(r).body, R"({"oidc":false})");
}

}  // namespace
}  // namespace dragops::dashboard
