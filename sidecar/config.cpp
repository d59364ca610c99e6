#include "config.hpp"

#include "http/server.hpp"

#include <boost/asio/ip/address.hpp>

#include <boost/json/string_view.hpp>

#include <charconv>

namespace dragops::sidecar {

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
  if (text.empty()) return false;
  std::int64_t value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc() || value < 0) return false;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  using namespace std::chrono;
  if (unit.empty() || unit == "s") out = seconds(value);
  else if (unit == "ms") out = milliseconds(value);
  else if (unit == "m") out = minutes(value);
  else if (unit == "h") out = hours(value);
  else return false;
  return true;
}

bool split_names(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  if (trim(text).empty()) return true;
  std::size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto part = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (part.empty()) return false;
    out.emplace_back(part);
    if (comma == std::string_view::npos) return true;
    start = comma + 1;
  }
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

boost::system::result<Config, std::string> config_from_env(const Getenv& getenv) {
  auto fail = [](std::string message) {
    return boost::system::result<Config, std::string>(boost::system::in_place_error, std::move(message));
  };
  Config config;
  auto text = [&](const char* name) -> std::string_view {
    const char* value = getenv(name);
    return value ? std::string_view(value) : std::string_view();
  };
  config.pod_namespace = std::string(text("DRAGOPS_POD_NAMESPACE"));
  config.pod_name = std::string(text("DRAGOPS_POD_NAME"));
  if (config.pod_namespace.empty()) return fail(std::string("DRAGOPS_POD_NAMESPACE is not set"));
  if (!split_names(text("DRAGOPS_CONNECTIONS"), config.connections)) return fail(std::string("DRAGOPS_CONNECTIONS has an empty entry"));
  if (!split_names(text("DRAGOPS_SECRETS"), config.secrets)) return fail(std::string("DRAGOPS_SECRETS has an empty entry"));
  config.environment = std::string(text("DRAGOPS_ENVIRONMENT"));
  if (!config.secrets.empty() && config.environment.empty()) {
    return fail(std::string("DRAGOPS_ENVIRONMENT is required when DRAGOPS_SECRETS is set"));
  }
  if (auto v = text("DRAGOPS_KEY_DIR"); !v.empty()) config.key_dir = std::string(v);
  if (auto v = text("DRAGOPS_TOKEN_FILE"); !v.empty()) config.token_file = std::string(v);
  if (auto v = text("DRAGOPS_LISTEN"); !v.empty() && !split_names(v, config.listen)) {
    return fail(std::string("DRAGOPS_LISTEN has an empty entry"));
  }
  if (auto v = text("DRAGOPS_HEALTH_LISTEN"); !v.empty() && !split_names(v, config.health_listen)) {
    return fail(std::string("DRAGOPS_HEALTH_LISTEN has an empty entry"));
  }
  if (auto v = text("DRAGOPS_STALE_AFTER"); !v.empty() && !parse_duration(v, config.stale_after)) {
    return fail(std::string("DRAGOPS_STALE_AFTER is not a duration like 300s"));
  }
  if (auto v = text("DRAGOPS_REFRESH_MIN_SKEW"); !v.empty() && !parse_duration(v, config.refresh_min_skew)) {
    return fail(std::string("DRAGOPS_REFRESH_MIN_SKEW is not a duration like 60s"));
  }
  if (auto v = text("DRAGOPS_LOG_LEVEL"); !v.empty()) config.log_level = std::string(v);
  for (const auto& address : config.listen) {
    std::string host;
    std::uint16_t port = 0;
    if (!http::split_host_port(address, host, port)) return fail("DRAGOPS_LISTEN entry \"" + address + "\" is not host:port");
    if (!is_loopback_host(host)) return fail("DRAGOPS_LISTEN entry \"" + address + "\" is not a loopback address");
  }
  return config;
}

}  // namespace dragops::sidecar
