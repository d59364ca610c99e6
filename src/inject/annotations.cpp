#include "inject/annotations.hpp"

#include <algorithm>

namespace dragops::inject {

namespace json = boost::json;

namespace {

using Result = boost::system::result<InjectRequest, std::string>;

Result fail(std::string message) { return Result(boost::system::in_place_error, std::move(message)); }

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Longest store-object prefix ("dragops-secret-") must still leave a valid Secret name.
constexpr std::size_t kMaxItemName = 253 - std::string_view("dragops-secret-").size();

// "" when fine, else the message.
std::string read_list(std::string_view annotation, std::string_view text, std::vector<std::string>& out) {
  out.clear();
  if (trim(text).empty()) return {};
  std::size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto entry = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (entry.empty()) return std::string(annotation) + " has an empty entry (check for a stray comma)";
    if (!is_dns1123_subdomain(entry) || entry.size() > kMaxItemName) {
      return std::string(annotation) + ": \"" + std::string(entry) +
             "\" is not a valid name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)";
    }
    if (std::find(out.begin(), out.end(), entry) != out.end()) {
      return std::string(annotation) + ": \"" + std::string(entry) + "\" is listed twice";
    }
    out.emplace_back(entry);
    if (comma == std::string_view::npos) return {};
    start = comma + 1;
  }
}

}  // namespace

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253 || !alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return alnum(c) || c == '-' || c == '.'; });
}

bool is_dns1123_label(std::string_view name) {
  if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return alnum(c) || c == '-'; });
}

Result read_annotations(const json::object& metadata) {
  InjectRequest request;
  auto it = metadata.find("annotations");
  if (it == metadata.end() || !it->value().is_object()) return request;
  const json::object& annotations = it->value().get_object();
  auto text = [&](std::string_view key) -> std::string_view {
    auto found = annotations.find(key);
    return found != annotations.end() && found->value().is_string() ? std::string_view(found->value().get_string())
                                                                     : std::string_view();
  };
  std::string_view inject = text(kInjectAnnotation);
  if (inject.empty() || inject == "false") return request;
  if (inject != "true") return fail("dragops.io/inject must be \"true\" or \"false\", not \"" + std::string(inject) + "\"");
  request.inject = true;
  request.injected = text(kInjectedAnnotation) == "true";
  if (auto error = read_list(kConnectionsAnnotation, text(kConnectionsAnnotation), request.connections); !error.empty()) {
    return fail(error);
  }
  if (auto error = read_list(kSecretsAnnotation, text(kSecretsAnnotation), request.secrets); !error.empty()) {
    return fail(error);
  }
  if (request.connections.empty() && request.secrets.empty()) {
    return fail("dragops.io/inject is \"true\" but neither dragops.io/connections nor dragops.io/secrets lists anything");
  }
  request.environment = std::string(trim(text(kEnvironmentAnnotation)));
  if (!request.environment.empty() && !is_dns1123_label(request.environment)) {
    return fail("dragops.io/environment: \"" + request.environment +
                "\" is not a valid environment name (lower-case letters, digits and '-', at most 63)");
  }
  if (!request.secrets.empty() && request.environment.empty()) {
    return fail("dragops.io/secrets is set, so dragops.io/environment must say which environment's values to serve");
  }
  return request;
}

}  // namespace dragops::inject
