#include "token_refresher.hpp"

#include "common/log.hpp"
#include "crypto/random.hpp"
#include "oauth/http_client_transport.hpp"
#include "oauth/refresh_coordinator.hpp"
#include "oauth/sealed_token_store.hpp"
#include "store/store_object.hpp"

#include <random>

namespace dragops::sidecar {
namespace json = boost::json;

namespace {

std::string annotation_of(const json::object& object, std::string_view key) {
  const auto* metadata = object.if_contains("metadata");
  const auto* annotations = metadata && metadata->is_object() ? metadata->as_object().if_contains("annotations") : nullptr;
  const auto* value = annotations && annotations->is_object() ? annotations->as_object().if_contains(key) : nullptr;
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::string random_suffix() {
  std::uint8_t bytes[4];
  crypto::random_bytes(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) out += {kHex[b >> 4], kHex[b & 15]};
  return out;
}

// What the refresher needs from the store object: who owns it and which client refreshes it.
struct Setup {
  std::string uid;
  std::string token_url;
  oauth::ClientCredentials client;
  bool same_as(const Setup& other) const {
    return uid == other.uid && token_url == other.token_url && client.client_id == other.client.client_id &&
           client.method == other.client.method && client.client_secret.equals(other.client.client_secret);
  }
};

std::optional<Setup> setup_of(const json::object& object, const crypto::Keyring& ring, std::string& problem) {
  if (annotation_of(object, "dragops.io/auth-type") != "oauth2") {
    problem = "not an oauth2 connection";
    return std::nullopt;
  }
  auto opened = store::open_connection(object, ring);
  if (!opened) {
    problem = "the store does not open: " + opened.error().message;
    return std::nullopt;
  }
  auto item = [&](std::string_view name) -> const crypto::SecretBytes* {
    auto it = opened->fields.find(name);
    return it == opened->fields.end() ? nullptr : &it->second;
  };
  const auto* id = item("oauth_client_id");
  const auto* secret = item("oauth_client_secret");
  const auto* url = item("oauth_token_url");
  if (!id || !secret || !url) {
    problem = "the store holds no OAuth client (sealed by an operator without refresh support)";
    return std::nullopt;
  }
  Setup setup;
  setup.uid = annotation_of(object, "dragops.io/uid");
  setup.token_url = std::string(url->view());
  setup.client = {std::string(id->view()), *secret, oauth::ClientAuthMethod::client_secret_basic};
  if (const auto* method = item("oauth_client_auth"))
    if (auto parsed = oauth::parse_client_auth_method(method->view())) setup.client.method = *parsed;
  return setup;
}

}  // namespace

TokenRefresher::TokenRefresher(kube::Api& api, StoreCache& cache, std::shared_ptr<http::Client> client,
                               std::string pod_namespace, std::string pod_name, std::string connection,
                               RefresherOptions options, std::shared_ptr<RefreshGate> gate)
    : api_(api),
      cache_(cache),
      client_(std::move(client)),
      namespace_(std::move(pod_namespace)),
      pod_name_(std::move(pod_name)),
      connection_(std::move(connection)),
      options_(options),
      gate_(std::move(gate)) {}

TokenRefresher::~TokenRefresher() { stop(); }

void TokenRefresher::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void TokenRefresher::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void TokenRefresher::run(std::stop_token stop) {
  oauth::SystemClock clock;
  std::mt19937_64 generator(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  oauth::CoordinatorOptions coordinator_options;
  coordinator_options.policy.min_skew = options_.min_skew;
  coordinator_options.lease.holder_identity = pod_name_ + "-" + random_suffix();

  std::optional<Setup> current;
  std::unique_ptr<oauth::SealedTokenStore> token_store;
  std::unique_ptr<oauth::HttpProvider> provider;
  std::unique_ptr<oauth::RefreshCoordinator> coordinator;
  std::string last_problem;

  while (!stop.stop_requested()) {
    auto wait = options_.idle_poll;
    auto entry = cache_.find(Kind::connection, connection_);
    auto ring = cache_.keyring();
    std::string problem;
    std::optional<Setup> setup;
    if (!entry || !entry->object || !ring) problem = "store or key ring not loaded yet";
    else setup = setup_of(*entry->object, *ring, problem);
    if (!setup) {
      if (problem != last_problem) log::info("token refresher idle", {{"connection", json::value(connection_)}, {"why", json::value(problem)}});
      last_problem = problem;
      coordinator.reset();
      current.reset();
      gate_->set_active(false);
      gate_->sleep_until(stop, std::chrono::steady_clock::now() + wait);
      continue;
    }
    last_problem.clear();
    if (!current || !current->same_as(*setup)) {
      coordinator.reset();
      current = std::move(setup);
      token_store = std::make_unique<oauth::SealedTokenStore>(
          api_, store::Owner{store::Kind::connection, namespace_, connection_, current->uid},
          [this] { return cache_.keyring(); });
      provider = std::make_unique<oauth::HttpProvider>(oauth::ProviderEndpoints{current->token_url, "", ""}, current->client,
                                                       oauth::make_http_transport(client_, options_.provider_timeout), clock);
      coordinator = std::make_unique<oauth::RefreshCoordinator>(
          *token_store, *provider, api_, clock, [&] { return uniform(generator); }, namespace_, connection_,
          coordinator_options);
    }
    gate_->set_active(true);
    gate_->attempt_started(clock.now());
    auto outcome = coordinator->refresh_if_due(stop);
    gate_->attempt_finished(outcome.tokens.expires_at,
                            outcome.result == oauth::RefreshResult::failed ? std::nullopt : outcome.next_check,
                            outcome.result == oauth::RefreshResult::failed, clock.now());
    if (outcome.result == oauth::RefreshResult::refreshed || outcome.result == oauth::RefreshResult::adopted)
      log::info("tokens refreshed", {{"connection", json::value(connection_)},
                                     {"result", json::value(oauth::to_string(outcome.result))},
                                     {"before_expiry_ms", outcome.lead ? json::value(outcome.lead->count()) : json::value(nullptr)}});
    else if (outcome.result == oauth::RefreshResult::failed)
      log::warn("token refresh failed", {{"connection", json::value(connection_)},
                                         {"reason", json::value(outcome.reason)},
                                         {"message", json::value(outcome.message)}});
    auto sleep_for = options_.max_sleep;
    if (outcome.next_check) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*outcome.next_check - clock.now());
      sleep_for = std::clamp(until, std::chrono::milliseconds(50), options_.max_sleep);
    }
    gate_->sleep_until(stop, std::chrono::steady_clock::now() + sleep_for);
  }
  gate_->set_active(false);
}

}  // namespace dragops::sidecar
