// Against the REAL oidc-provider (provider/server.mjs): the authorization-code flow driven
// through the provider's login and consent pages by plain HTTP, the code exchange with PKCE,
// refresh-token rotation, reuse detection, revocation, and the refresh coordinator with 20
// threads over several access-token lifetimes.

#include "fake_api.hpp"
#include "http/client.hpp"
#include "oauth/authorization_url.hpp"
#include "oauth/http_client_transport.hpp"
#include "oauth/http_provider.hpp"
#include "oauth/pkce.hpp"
#include "oauth/refresh_coordinator.hpp"
#include "oauth/state.hpp"
#include "provider_harness.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::ProviderConfig;
using testing::ProviderProcess;

constexpr int kAccessTokenTtl = 5;

// Follows the provider's redirects and answers its login and consent pages like a person would.
class Browser {
 public:
  Browser(std::shared_ptr<http::Client> client, std::string issuer) : client_(std::move(client)), issuer_(std::move(issuer)) {}

  // Returns the URL the provider finally redirects to (our callback), or "" with error set.
  std::string authorize(std::string url, const std::string& callback_prefix, bool deny, std::string& error) {
    for (int step = 0; step < 12; ++step) {
      auto response = request("GET", url, "");
      if (!response) {
        error = "GET failed: " + response.error().message;
        return {};
      }
      if (response->status == 200 && url.find("/interaction/") != std::string::npos) {
        const bool login = response->body.find("name=\"prompt\" value=\"login\"") != std::string::npos;
        const bool consent = response->body.find("name=\"prompt\" value=\"consent\"") != std::string::npos;
        if (deny) {
          url += "/abort";
          continue;
        }
        if (!login && !consent) {
          error = "unknown interaction page";
          return {};
        }
        auto posted = request("POST", url, login ? "prompt=login&login=alice&password=any" : "prompt=consent");
        if (!posted || posted->status / 100 != 3) {
          error = "interaction POST failed";
          return {};
        }
        url = absolute(posted->header("Location"));
        continue;
      }
      if (response->status / 100 != 3) {
        error = "unexpected HTTP " + std::to_string(response->status) + " at step " + std::to_string(step);
        return {};
      }
      url = absolute(response->header("Location"));
      if (url.starts_with(callback_prefix)) return url;
    }
    error = "too many redirects";
    return {};
  }

 private:
  http::ClientResult<http::ClientResponse> request(const std::string& method, const std::string& url,
                                                   const std::string& body) {
    http::ClientRequest r;
    r.method = method;
    r.url = url;
    r.body = body;
    if (!body.empty()) r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    std::string cookie;
    for (const auto& [name, value] : cookies_) cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    if (!cookie.empty()) r.headers.push_back({"Cookie", cookie});
    auto response = client_->send(r);
    if (response) {
      for (const auto& h : response->headers) {
        if (!boost::iequals(h.name, "Set-Cookie")) continue;
        const std::string pair = h.value.substr(0, h.value.find(';'));
        const auto eq = pair.find('=');
        if (eq != std::string::npos) cookies_[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
    }
    return response;
  }

  std::string absolute(std::string_view location) const {
    return location.starts_with("/") ? issuer_ + std::string(location) : std::string(location);
  }

  std::shared_ptr<http::Client> client_;
  std::string issuer_;
  std::map<std::string, std::string> cookies_;
};

std::map<std::string, std::string> query_of(const std::string& url) {
  std::map<std::string, std::string> out;
  for (const auto& p : boost::urls::parse_absolute_uri(url).value().params()) out[p.key] = p.value;
  return out;
}

class RealProvider : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ProviderConfig config;
    config.access_token_ttl_seconds = kAccessTokenTtl;
    std::string error;
    auto started = ProviderProcess::start(config, error);
    ASSERT_TRUE(started) << error;
    process_ = new ProviderProcess(std::move(*started));  // lives for the whole suite
    http::ClientOptions options;
    options.total_timeout = 10s;
    options.max_response_bytes = 1 << 20;
    client_ = http::Client::create(options).value();
  }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
    client_.reset();
  }

  void SetUp() override { ASSERT_NE(process_, nullptr) << "the provider did not start"; }

  static ClientCredentials credentials(ClientAuthMethod method = ClientAuthMethod::client_secret_basic) {
    const auto& config = process_->config();
    return {method == ClientAuthMethod::client_secret_basic ? config.client_id : config.client_id + "-post",
            crypto::SecretBytes::from_string(config.client_secret), method};
  }

  static std::unique_ptr<HttpProvider> provider(ClientAuthMethod method = ClientAuthMethod::client_secret_basic) {
    return std::make_unique<HttpProvider>(
        ProviderEndpoints{process_->url("/token"), process_->url("/token/revocation"),
                          process_->url("/token/introspection")},
        credentials(method), make_http_transport(client_), clock_);
  }

  // Runs the whole flow as the operator will: signed state, derived PKCE, authorization URL,
  // the person's login and consent, the callback's state check and the code exchange.
  static boost::system::result<TokenSet, OAuthError> authorize(
      ClientAuthMethod method = ClientAuthMethod::client_secret_basic, bool tamper_verifier = false) {
    const StateCodec codec(crypto::SecretBytes::from_string(std::string(32, 's')));
    const auto issued = codec.issue("team-a", "github", "uid-1", clock_.now());
    const Pkce pkce = derive_pkce(codec.key(), issued.claims.nonce);
    const auto& config = process_->config();
    const auto url = build_authorization_url({process_->url("/auth"),
                                              credentials(method).client_id,
                                              config.redirect_uri,
                                              {"openid", "offline_access"},
                                              issued.token,
                                              pkce.challenge,
                                              {{"prompt", "consent"}}});
    EXPECT_TRUE(url);
    Browser browser(client_, process_->issuer());
    std::string error;
    const std::string callback = browser.authorize(*url, config.redirect_uri, false, error);
    EXPECT_FALSE(callback.empty()) << error;
    auto params = query_of(callback);
    EXPECT_EQ(params["iss"], process_->issuer());
    InMemoryReplayCache cache;
    const auto claims = accept_state(codec, params["state"], clock_.now(),
                                     [](auto, auto) { return std::optional<std::string>("uid-1"); }, cache);
    EXPECT_TRUE(claims);
    auto verifier = tamper_verifier ? make_pkce().verifier : derive_pkce(codec.key(), claims->nonce).verifier;
    return provider(method)->exchange_code(params["code"], config.redirect_uri, verifier);
  }

  static bool active(const crypto::SecretBytes& token, std::string_view hint = "") {
    auto result = provider()->introspect(token, hint);
    EXPECT_TRUE(result) << (result ? "" : result.error().message());
    return result && result->active;
  }

  static boost::json::object stats() {
    http::ClientRequest r;
    r.url = process_->url("/__control/stats");
    auto response = client_->send(r);
    return response ? boost::json::parse(response->body).as_object() : boost::json::object{};
  }

  static void control(std::string_view what) {
    http::ClientRequest r;
    r.method = "POST";
    r.url = process_->url("/__control/" + std::string(what));
    ASSERT_TRUE(client_->send(r));
  }

  static inline ProviderProcess* process_ = nullptr;
  static inline std::shared_ptr<http::Client> client_;
  static inline SystemClock clock_;
};

TEST_F(RealProvider, AuthorizationCodeFlowWithPkceEndsWithAnActiveAccessToken) {
  const auto tokens = authorize();
  ASSERT_TRUE(tokens) << tokens.error().message();
  EXPECT_TRUE(tokens->has_refresh_token()) << "offline_access + prompt=consent must issue a refresh token";
  ASSERT_TRUE(tokens->expires_at);
  EXPECT_EQ(tokens->lifetime(), std::chrono::seconds(kAccessTokenTtl));
  EXPECT_TRUE(active(tokens->access_token, "access_token"));
  EXPECT_TRUE(active(tokens->refresh_token, "refresh_token"));
}

TEST_F(RealProvider, ClientSecretPostWorksToo) {
  const auto tokens = authorize(ClientAuthMethod::client_secret_post);
  ASSERT_TRUE(tokens) << tokens.error().message();
  EXPECT_TRUE(tokens->has_refresh_token());
}

TEST_F(RealProvider, RejectsACodeExchangedWithTheWrongVerifier) {
  const auto tokens = authorize(ClientAuthMethod::client_secret_basic, /*tamper_verifier=*/true);
  ASSERT_FALSE(tokens);
  EXPECT_EQ(tokens.error().code, "invalid_grant");
}

TEST_F(RealProvider, DeniedConsentRedirectsWithAccessDenied) {
  const StateCodec codec(crypto::SecretBytes::from_string(std::string(32, 's')));
  const auto issued = codec.issue("team-a", "github", "uid-1", clock_.now());
  const auto url = build_authorization_url({process_->url("/auth"), process_->config().client_id,
                                            process_->config().redirect_uri, {"openid", "offline_access"},
                                            issued.token, make_pkce().challenge, {{"prompt", "consent"}}});
  Browser browser(client_, process_->issuer());
  std::string error;
  const std::string callback = browser.authorize(*url, process_->config().redirect_uri, /*deny=*/true, error);
  ASSERT_FALSE(callback.empty()) << error;
  auto params = query_of(callback);
  EXPECT_EQ(params["error"], "access_denied");
  EXPECT_EQ(params["state"], issued.token) << "the state comes back, so the callback can name the Connection";
  EXPECT_EQ(params.count("code"), 0u);
}

TEST_F(RealProvider, WrongClientSecretIsInvalidClientAndNeverEchoed) {
  ProviderEndpoints endpoints{process_->url("/token"), "", ""};
  ClientCredentials wrong{process_->config().client_id, crypto::SecretBytes::from_string("CANARY-wrong-secret-991"),
                          ClientAuthMethod::client_secret_basic};
  HttpProvider bad(endpoints, std::move(wrong), make_http_transport(client_), clock_);
  const auto tokens = bad.refresh(crypto::SecretBytes::from_string("CANARY-refresh-992"));
  ASSERT_FALSE(tokens);
  EXPECT_EQ(tokens.error().code, "invalid_client");
  EXPECT_EQ(tokens.error().message().find("CANARY"), std::string::npos);
}

TEST_F(RealProvider, RefreshRotatesAndReuseRevokesTheWholeGrant) {
  const auto first = authorize();
  ASSERT_TRUE(first) << first.error().message();
  const auto reuse_before = stats().at("reuse_detected").as_int64();

  const auto second = provider()->refresh(first->refresh_token);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_FALSE(second->access_token.equals(first->access_token));
  ASSERT_TRUE(second->has_refresh_token());
  EXPECT_FALSE(second->refresh_token.equals(first->refresh_token)) << "rotation is on";
  EXPECT_TRUE(active(second->access_token));
  EXPECT_FALSE(active(first->refresh_token, "refresh_token")) << "a rotated refresh token is consumed";

  // Presenting the consumed refresh token again: oidc-provider answers invalid_grant and
  // revokes the grant, so even the newest tokens die.
  const auto reused = provider()->refresh(first->refresh_token);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, "invalid_grant");
  EXPECT_TRUE(reused.error().needs_reauthorization());
  EXPECT_EQ(stats().at("reuse_detected").as_int64(), reuse_before + 1);
  EXPECT_FALSE(active(second->access_token));
  EXPECT_FALSE(active(second->refresh_token, "refresh_token"));
  EXPECT_FALSE(provider()->refresh(second->refresh_token));
}

TEST_F(RealProvider, RevokingTheRefreshTokenMakesItInactive) {
  const auto tokens = authorize();
  ASSERT_TRUE(tokens) << tokens.error().message();
  ASSERT_TRUE(active(tokens->refresh_token, "refresh_token"));
  const auto revoked = provider()->revoke(tokens->refresh_token, "refresh_token");
  ASSERT_TRUE(revoked) << revoked.error().message();
  EXPECT_FALSE(active(tokens->refresh_token, "refresh_token"));
  EXPECT_FALSE(provider()->refresh(tokens->refresh_token));
  EXPECT_TRUE(provider()->revoke(tokens->refresh_token, "refresh_token")) << "revoking twice is still 200 (RFC 7009)";
}

// 20 pods (one coordinator each, one thread each) share one connection's store and Lease and
// refresh against the real provider over 5 access-token lifetimes. Any refresh-token reuse
// would make oidc-provider revoke the grant, and every later refresh and introspection fails.
TEST_F(RealProvider, TwentyCoordinatorsRefreshWithoutEverReusingARefreshToken) {
  constexpr int kPods = 20;
  constexpr int kLifetimes = 4;
  auto initial = authorize();
  ASSERT_TRUE(initial) << initial.error().message();
  const auto before = stats();
  InMemoryTokenStore store(std::move(*initial));
  FakeApi api;
  auto shared_provider = provider();
  std::vector<std::unique_ptr<RefreshCoordinator>> pods;
  for (int i = 0; i < kPods; ++i) {
    CoordinatorOptions o;
    o.lease.holder_identity = "pod-" + std::to_string(i);
    o.lease_poll_interval = 20ms;
    o.policy.min_skew = 1s;  // 5 s tokens: refresh 1 s (+ up to 0.25 s jitter) before expiry
    pods.push_back(std::make_unique<RefreshCoordinator>(
        store, *shared_provider, api, clock_, [i] { return (i % 10) / 10.0; }, "team-a", "github", o));
  }
  const auto end = clock_.now() + std::chrono::seconds(kAccessTokenTtl * kLifetimes);
  std::atomic<int> served{0}, inactive{0}, expired_served{0}, failed{0}, refreshed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPods; ++i) {
    threads.emplace_back([&, i] {
      int iteration = 0;
      while (clock_.now() < end) {
        const auto outcome = pods[i]->refresh_if_due();
        if (outcome.result == RefreshResult::failed) ++failed;
        if (outcome.result == RefreshResult::refreshed) ++refreshed;
        if (!outcome.tokens.expired_at(clock_.now())) {
          ++served;
          if (++iteration % 3 == 0) {
            auto check = shared_provider->introspect(outcome.tokens.access_token, "access_token");
            // A token that expired between the check above and the provider's answer is not a
            // served-expired token; only an unexpired, inactive one is.
            if (check && !check->active && !outcome.tokens.expired_at(clock_.now())) ++inactive;
          }
        } else if (outcome.result != RefreshResult::failed) {
          ++expired_served;
        }
        std::this_thread::sleep_for(100ms);  // the pace of a client's requests, not a wait for a condition
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto after = stats();
  const auto provider_refreshes = after.at("refresh_ok").as_int64() - before.at("refresh_ok").as_int64();
  std::printf("[ real ] %d coordinators, %d lifetimes of %d s: %lld refreshes at the provider (%.2f per lifetime; "
              "one per token, refreshed 1-1.25 s before expiry), %d answers served, %d introspected inactive\n",
              kPods, kLifetimes, kAccessTokenTtl, static_cast<long long>(provider_refreshes),
              static_cast<double>(provider_refreshes) / kLifetimes, served.load(), inactive.load());
  EXPECT_EQ(after.at("reuse_detected").as_int64(), before.at("reuse_detected").as_int64());
  EXPECT_EQ(after.at("refresh_error").as_int64(), before.at("refresh_error").as_int64());
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(inactive.load(), 0);
  EXPECT_EQ(expired_served.load(), 0);
  EXPECT_EQ(refreshed.load(), provider_refreshes) << "every provider refresh was persisted by its coordinator";
  // One refresh per token. A token lives 4..5 s from our clock's view (expires_in is whole
  // seconds from a whole-second obtained_at, truncated: conservative) and is refreshed 1..1.25 s
  // before that, so every 2.75..4 s over the 20 s run.
  EXPECT_GE(provider_refreshes, 20 / 4 - 1);
  EXPECT_LE(provider_refreshes, 20 * 4 / 11 + 1);
  EXPECT_TRUE(active(store.read()->tokens.refresh_token, "refresh_token")) << "the grant is alive at the end";
}

// The provider is down for two access-token lifetimes: the coordinator backs off, the expired
// token is reported as failed (the sidecar answers 503 with Retry-After), the stored refresh
// token is never lost, and the first attempt after the provider returns refreshes.
TEST_F(RealProvider, SurvivesTheProviderBeingDownForTwoLifetimes) {
  auto initial = authorize();
  ASSERT_TRUE(initial) << initial.error().message();
  const auto original_refresh = initial->refresh_token;
  InMemoryTokenStore store(std::move(*initial));
  FakeApi api;
  auto shared_provider = provider();
  CoordinatorOptions o;
  o.lease.holder_identity = "pod-0";
  o.policy.min_skew = 1s;
  o.policy.backoff_cap = 2s;
  RefreshCoordinator coordinator(store, *shared_provider, api, clock_, [] { return 0.5; }, "team-a", "github", o);

  control("down");
  const auto down_until = clock_.now() + std::chrono::seconds(2 * kAccessTokenTtl);
  int expired_reported = 0, served_expired = 0, failed = 0;
  while (clock_.now() < down_until) {
    const auto outcome = coordinator.refresh_if_due();
    if (outcome.result == RefreshResult::failed) {
      ++failed;
      EXPECT_TRUE(outcome.next_check) << "a failure names the next attempt";
      if (outcome.tokens.expired_at(clock_.now())) ++expired_reported;
    } else if (outcome.tokens.expired_at(clock_.now())) {
      ++served_expired;
    }
    std::this_thread::sleep_for(100ms);  // request pace
  }
  control("up");
  EXPECT_GT(failed, 0);
  EXPECT_GT(expired_reported, 0) << "after expiry the caller is told the token is not servable";
  EXPECT_EQ(served_expired, 0);
  EXPECT_TRUE(store.read()->tokens.refresh_token.equals(original_refresh)) << "the refresh token is never lost";

  RefreshOutcome outcome;
  const auto deadline = clock_.now() + 10s;
  while (clock_.now() < deadline) {
    outcome = coordinator.refresh_if_due();
    if (outcome.result == RefreshResult::refreshed) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_TRUE(active(outcome.tokens.access_token, "access_token"));
  EXPECT_FALSE(store.read()->tokens.refresh_token.equals(original_refresh));
}

}  // namespace
}  // namespace dragops::oauth
