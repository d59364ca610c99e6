// dragops-dashboard: the web UI (bundled into this binary) and its JSON API, acting as the
// signed-in user. docs/dashboard.md lists the flags.

#include "assets.hpp"
#include "dashboard.hpp"
#include "kube_call.hpp"
#include "session.hpp"

#include "common/log.hpp"
#include "http/client.hpp"
#include "http/server.hpp"
#include "kube/config.hpp"

#include <boost/json/string_view.hpp>

#include <openssl/crypto.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace dragops;

namespace {

constexpr const char* kUsage = R"(usage: dragops-dashboard [flags]
  --listen ADDR              where to serve (default 127.0.0.1:8080; repeatable)
  --kubeconfig FILE          the API server's URL and CA (its credentials are never used);
                             default: in-cluster, else $KUBECONFIG / ~/.kube/config
  --allowed-origin ORIGIN    the browser origin unsafe requests must come from (repeatable;
                             default: the request's own scheme://Host)
  --operator-namespace NS    where ConfigMap dragops-sealing-key is (default dragops-system)
  --oauth-callback-url URL   the operator's OAuth callback, to which the provider's redirects to
                             this dashboard's /oauth/callback are forwarded (docs/dashboard.md)
  --external-url URL         this dashboard's URL as browsers reach it (https://host[:port]);
                             needed for OIDC sign-in, whose redirect URL is URL/oidc/callback
  --oidc-issuer-url URL      OIDC sign-in: the issuer (the same as kube-apiserver's
                             --oidc-issuer-url); shows "Sign in with OIDC" (docs/dashboard.md)
  --oidc-client-id ID        the client registered at the issuer (kube-apiserver's --oidc-client-id)
  --oidc-client-secret-file FILE  the client's secret, for a confidential client (else PKCE only)
  --oidc-ca-file FILE        the CA bundle that signs the issuer's certificate (default: system)
  --oidc-scopes SCOPES       space-separated, must include openid (default "openid")
  --session-idle SECONDS     sign out after this long without a request (default 1800)
  --session-max-age SECONDS  sign out this long after sign-in (default 28800)
  --insecure-cookie          omit the cookie's Secure flag (plain http off localhost only)
  --tls-cert FILE --tls-key FILE   serve HTTPS
  --log-level LEVEL          debug, info, warn, error (default info)
)";

int fail(const std::string& message) {
  log::error(message);
  return 1;
}

bool parse_seconds(std::string_view text, std::chrono::seconds& out) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return false;
  out = std::chrono::seconds(value);
  return true;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  log::set_component("dashboard");
  std::vector<std::string> listen;
  std::string kubeconfig, tls_cert, tls_key, log_level = "info";
  std::string external_url, oidc_issuer, oidc_client_id, oidc_secret_file, oidc_ca_file, oidc_scopes = "openid";
  dashboard::DashboardOptions options;
  dashboard::SessionOptions session_options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::cerr << "dragops-dashboard: " << arg << " needs a value\n" << kUsage;
        std::exit(2);
      }
      out = argv[++i];
    };
    std::string v;
    if (arg == "--listen") { value(v); listen.push_back(v); }
    else if (arg == "--kubeconfig") value(kubeconfig);
    else if (arg == "--allowed-origin") { value(v); options.allowed_origins.push_back(v); }
    else if (arg == "--operator-namespace") value(options.operator_namespace);
    else if (arg == "--oauth-callback-url") value(options.oauth_callback_url);
    else if (arg == "--session-idle" || arg == "--session-max-age") {
      value(v);
      auto& target = arg == "--session-idle" ? session_options.idle_timeout : session_options.max_age;
      if (!parse_seconds(v, target)) {
        std::cerr << "dragops-dashboard: " << arg << " must be a positive number of seconds\n";
        return 2;
      }
    }
    else if (arg == "--external-url") value(external_url);
    else if (arg == "--oidc-issuer-url") value(oidc_issuer);
    else if (arg == "--oidc-client-id") value(oidc_client_id);
    else if (arg == "--oidc-client-secret-file") value(oidc_secret_file);
    else if (arg == "--oidc-ca-file") value(oidc_ca_file);
    else if (arg == "--oidc-scopes") value(oidc_scopes);
    else if (arg == "--insecure-cookie") options.secure_cookie = false;
    else if (arg == "--tls-cert") value(tls_cert);
    else if (arg == "--tls-key") value(tls_key);
    else if (arg == "--log-level") value(log_level);
    else if (arg == "--help" || arg == "-h") { std::cout << kUsage; return 0; }
    else {
      std::cerr << "dragops-dashboard: unknown flag " << arg << "\n" << kUsage;
      return 2;
    }
  }
  if (log::Level level; log::parse_level(log_level, level)) log::set_level(level);
  else { std::cerr << "dragops-dashboard: --log-level must be debug, info, warn or error\n"; return 2; }
  if (listen.empty()) listen.push_back("127.0.0.1:8080");
  if (tls_cert.empty() != tls_key.empty()) { std::cerr << "dragops-dashboard: --tls-cert and --tls-key go together\n"; return 2; }

  if (!oidc_issuer.empty() || !oidc_client_id.empty()) {
    if (oidc_issuer.empty() || oidc_client_id.empty() || external_url.empty()) {
      std::cerr << "dragops-dashboard: OIDC sign-in needs --oidc-issuer-url, --oidc-client-id and --external-url\n";
      return 2;
    }
    if (!oidc_issuer.starts_with("https://")) {
      std::cerr << "dragops-dashboard: --oidc-issuer-url must be https (kube-apiserver accepts no other)\n";
      return 2;
    }
    if (!external_url.starts_with("https://") && !external_url.starts_with("http://")) {
      std::cerr << "dragops-dashboard: --external-url must be an http(s) URL\n";
      return 2;
    }
    if ((" " + oidc_scopes + " ").find(" openid ") == std::string::npos) {
      std::cerr << "dragops-dashboard: --oidc-scopes must include openid\n";
      return 2;
    }
    while (external_url.ends_with('/')) external_url.pop_back();
    dashboard::oidc::Options oidc_options;
    oidc_options.issuer_url = oidc_issuer;
    oidc_options.client_id = oidc_client_id;
    oidc_options.redirect_url = external_url + "/oidc/callback";
    oidc_options.scopes = oidc_scopes;
    if (!oidc_secret_file.empty()) {
      std::string secret;
      if (!read_file(oidc_secret_file, secret)) return fail("cannot read --oidc-client-secret-file");
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
      if (secret.empty()) return fail("--oidc-client-secret-file is empty");
      oidc_options.client_secret = crypto::SecretBytes::from_string(secret);
      OPENSSL_cleanse(secret.data(), secret.size());
    }
    auto fetch = dashboard::oidc::http_fetch(oidc_ca_file);
    if (!fetch) return fail(fetch.error().message);
    options.oidc = std::make_shared<dashboard::oidc::Client>(std::move(oidc_options), std::move(*fetch));
  } else if (!oidc_secret_file.empty() || !oidc_ca_file.empty()) {
    std::cerr << "dragops-dashboard: --oidc-client-secret-file and --oidc-ca-file need --oidc-issuer-url\n";
    return 2;
  }

  auto config = kubeconfig.empty() ? kube::default_config() : kube::load_kubeconfig(kubeconfig);
  if (!config) return fail("kubernetes configuration: " + config.error().message);
  http::ClientOptions client_options;
  client_options.tls = config->tls;
  client_options.max_response_bytes = 64u << 20;
  client_options.total_timeout = std::chrono::seconds(30);
  auto client = http::Client::create(client_options);
  if (!client) return fail("kubernetes client: " + client.error().message);
  // Only the server and its CA are kept: the dashboard calls the API with the user's token.
  auto kube = dashboard::http_kube_call(config->server, std::move(*client));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  dashboard::HttpGet forward;
  if (!options.oauth_callback_url.empty()) {
    if (!options.oauth_callback_url.starts_with("http://") && !options.oauth_callback_url.starts_with("https://")) {
      std::cerr << "dragops-dashboard: --oauth-callback-url must be an http(s) URL\n";
      return 2;
    }
    http::ClientOptions callback_options;
    callback_options.total_timeout = std::chrono::seconds(20);
    callback_options.max_response_bytes = 256 * 1024;
    auto callback_client = http::Client::create(callback_options);
    if (!callback_client) return fail("oauth callback client: " + callback_client.error().message);
    std::shared_ptr<http::Client> shared(std::move(*callback_client));
    // The query (code and state) goes to the operator only; it is never logged.
    forward = [shared](const std::string& url) {
      http::ClientRequest request;
      request.url = url;
      auto answer = shared->send(request);
      if (!answer) return dashboard::KubeAnswer{0, answer.error().message};
      return dashboard::KubeAnswer{answer->status, std::move(answer->body)};
    };
  }
  dashboard::SessionStore sessions(session_options);
  dashboard::Dashboard handler(options, sessions, kube, dashboard::bundled_asset, forward);
  http::ServerOptions server_options;
  server_options.listen = listen;
  server_options.max_body_bytes = 1u << 20;
  server_options.max_header_bytes = 16 * 1024;
  server_options.threads = 4;
  if (!tls_cert.empty()) {
    http::TlsPem pem;
    if (!read_file(tls_cert, pem.certificate_chain) || !read_file(tls_key, pem.private_key)) {
      return fail("cannot read --tls-cert or --tls-key");
    }
    server_options.tls = std::move(pem);
  }
  http::Server server(server_options, [&handler](const http::Request& r) { return handler(r); });
  if (auto started = server.start(); !started) return fail(started.error());
  auto ports = server.ports();
  log::info("serving", {{"port", ports.empty() ? 0 : ports.front()},
                        {"tls", !tls_cert.empty()},
                        {"oidc", boost::json::string_view(oidc_issuer)},
                        {"api_server", boost::json::string_view(config->server)}});
  // The line scripts and `make demo` wait for.
  std::printf("READY %s://%s:%u\n", tls_cert.empty() ? "http" : "https",
              listen.front().substr(0, listen.front().rfind(':')).c_str(), ports.empty() ? 0u : unsigned(ports.front()));
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  log::info("stopping", {{"signal", signal}});
  server.stop();
  return 0;
}
