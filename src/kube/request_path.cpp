#include "kube/request_path.hpp"

#include <utility>
#include <vector>

namespace dragops::kube {

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string resource_path(const Gvr& gvr, std::string_view ns, std::string_view name, std::string_view subresource) {
  std::string path = gvr.group.empty() ? "/api/" + percent_encode(gvr.version)
                                       : "/apis/" + percent_encode(gvr.group) + "/" + percent_encode(gvr.version);
  if (!ns.empty()) path += "/namespaces/" + percent_encode(ns);
  path += "/" + percent_encode(gvr.resource);
  if (!name.empty()) {
    path += "/" + percent_encode(name);
    if (!subresource.empty()) path += "/" + percent_encode(subresource);
  }
  return path;
}

namespace {

std::string join(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string query;
  for (const auto& [key, value] : params) {
    query += query.empty() ? '?' : '&';
    query += key + "=" + percent_encode(value);
  }
  return query;
}

}  // namespace

std::string list_query(const ListOptions& options) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!options.label_selector.empty()) params.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) params.emplace_back("fieldSelector", options.field_selector);
  if (options.limit > 0) params.emplace_back("limit", std::to_string(options.limit));
  if (!options.continue_token.empty()) params.emplace_back("continue", options.continue_token);
  if (!options.resource_version.empty()) params.emplace_back("resourceVersion", options.resource_version);
  return join(params);
}

std::string watch_query(const WatchOptions& options) {
  std::vector<std::pair<std::string, std::string>> params{{"watch", "1"}};
  if (!options.label_selector.empty()) params.emplace_back("labelSelector", options.label_selector);
  if (!options.field_selector.empty()) params.emplace_back("fieldSelector", options.field_selector);
  if (!options.resource_version.empty()) params.emplace_back("resourceVersion", options.resource_version);
  if (options.allow_bookmarks) params.emplace_back("allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) params.emplace_back("timeoutSeconds", std::to_string(options.timeout_seconds));
  return join(params);
}

}  // namespace dragops::kube
