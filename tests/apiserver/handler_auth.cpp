// Who is asking (bearer token, then Impersonate-* headers) and the endpoints that answer
// questions about identity and access instead of storing objects: TokenRequest
// (serviceaccounts/<name>/token), SelfSubjectReview, SelfSubjectAccessReview,
// SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview.
#include "apiserver/handler.hpp"

#include "apiserver/handler_detail.hpp"
#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>

namespace dragops::apiserver {

using namespace detail;

namespace {

constexpr const char* kAuthorizationGroup = "authorization.k8s.io";
constexpr const char* kAuthenticationGroup = "authentication.k8s.io";
constexpr std::int64_t kDefaultTokenSeconds = 3600;
constexpr std::int64_t kMinTokenSeconds = 600;
constexpr std::int64_t kMaxTokenSeconds = std::int64_t{1} << 32;
constexpr std::string_view kExtraHeaderPrefix = "impersonate-extra-";

const ApiError kMethodNotAllowed{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"};

json::array array_of(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

// %XX in an Impersonate-Extra-<key> header name (kube unescapes the key).
std::string unescape(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      int hi = i + 1 < text.size() ? nibble(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? nibble(text[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

RequestAttributes impersonation_attributes(const UserInfo& requester, std::string group, std::string resource,
                                           std::string name) {
  RequestAttributes a;
  a.user = requester;
  a.verb = "impersonate";
  a.resource_request = true;
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.name = std::move(name);
  return a;
}

// SubjectAccessReviewSpec resourceAttributes / nonResourceAttributes as request attributes.
Result<RequestAttributes> review_attributes(const json::object& spec, const std::string& kind) {
  const auto* resource = spec.if_contains("resourceAttributes");
  const auto* non_resource = spec.if_contains("nonResourceAttributes");
  bool has_resource = resource != nullptr && resource->is_object();
  bool has_non_resource = non_resource != nullptr && non_resource->is_object();
  if (has_resource == has_non_resource)
    return errors::invalid(kind, kAuthorizationGroup, "",
                           {errors::invalid_value("spec.resourceAttributes", "null",
                                                  "exactly one of nonResourceAttributes or resourceAttributes must be specified")});
  RequestAttributes a;
  if (has_resource) {
    const auto& r = resource->get_object();
    a.resource_request = true;
    a.ns = string_at(r, "namespace");
    a.verb = string_at(r, "verb");
    a.api_group = string_at(r, "group");
    a.api_version = string_at(r, "version");
    a.resource = string_at(r, "resource");
    a.subresource = string_at(r, "subresource");
    a.name = string_at(r, "name");
  } else {
    const auto& n = non_resource->get_object();
    a.path = string_at(n, "path");
    a.verb = string_at(n, "verb");
  }
  return a;
}

json::object review_response(const json::object& body, const std::string& kind, const std::string& group,
                             json::object status) {
  json::object out{{"kind", kind},
                   {"apiVersion", std::string(group) + "/v1"},
                   {"metadata", json::object{{"creationTimestamp", nullptr}}},
                   {"spec", object_or_empty(body, "spec")},
                   {"status", std::move(status)}};
  return out;
}

json::object access_status(const Decision& decision) {
  json::object status{{"allowed", decision.allowed}};
  if (!decision.reason.empty()) status["reason"] = decision.reason;
  return status;
}

}  // namespace

Result<UserInfo> Handler::identify(const HttpRequest& request) const {
  auto user = authenticator_.authenticate(request.header("authorization"));
  if (!user) return user.error();
  return impersonate(*user, request);
}

Result<UserInfo> Handler::impersonate(const UserInfo& requester, const HttpRequest& request) const {
  auto users = request.header_values("impersonate-user");
  auto groups = request.header_values("impersonate-group");
  auto uids = request.header_values("impersonate-uid");
  std::map<std::string, std::vector<std::string>> extra;
  for (const auto& [name, value] : request.fields.empty() ? std::vector<std::pair<std::string, std::string>>(
                                                               request.headers.begin(), request.headers.end())
                                                         : request.fields)
    if (name.starts_with(kExtraHeaderPrefix)) extra[unescape(name.substr(kExtraHeaderPrefix.size()))].push_back(value);
  if (users.empty() && groups.empty() && uids.empty() && extra.empty()) return requester;
  if (users.empty() || users.front().empty())
    return errors::internal("requested impersonation of groups, uid or extra without impersonating a user");

  auto check = [&](RequestAttributes attributes) -> Result<void> {
    if (!authorizer_.authorize(attributes).allowed) return forbidden(attributes);
    return {};
  };
  UserInfo target;
  target.username = users.front();
  if (auto account = service_account_of(target.username)) {
    auto a = impersonation_attributes(requester, "", "serviceaccounts", account->second);
    a.ns = account->first;
    if (auto r = check(a); !r) return r.error();
    if (groups.empty()) target.groups = service_account_groups(account->first);
  } else {
    if (auto r = check(impersonation_attributes(requester, "", "users", target.username)); !r) return r.error();
  }
  for (const auto& group : groups) {
    if (auto r = check(impersonation_attributes(requester, "", "groups", group)); !r) return r.error();
    target.groups.push_back(group);
  }
  for (const auto& [key, values] : extra) {
    for (const auto& value : values) {
      auto a = impersonation_attributes(requester, kAuthenticationGroup, "userextras", value);
      a.subresource = key;
      if (auto r = check(a); !r) return r.error();
    }
    target.extra[key] = values;
  }
  if (!uids.empty()) {
    if (auto r = check(impersonation_attributes(requester, kAuthenticationGroup, "uids", uids.front())); !r)
      return r.error();
    target.uid = uids.front();
  }
  if (target.username != "system:anonymous" && !target.in_group(kAuthenticatedGroup))
    target.groups.emplace_back(kAuthenticatedGroup);
  return target;
}

std::optional<Result<Outcome>> Handler::serve_review(const HttpRequest& request, const Route& r) {
  bool token = r.group.empty() && r.version == "v1" && r.resource == "serviceaccounts" && r.subresource == "token" &&
               !r.name.empty() && !r.ns.empty();
  bool authorization = r.group == kAuthorizationGroup && r.version == "v1" &&
                       (r.resource == "selfsubjectaccessreviews" || r.resource == "subjectaccessreviews" ||
                        r.resource == "localsubjectaccessreviews" || r.resource == "selfsubjectrulesreviews");
  bool authentication = r.group == kAuthenticationGroup && r.version == "v1" && r.resource == "selfsubjectreviews";
  if (!token && !authorization && !authentication) return std::nullopt;
  if (!token && (!r.name.empty() || !r.subresource.empty())) return Result<Outcome>(kMethodNotAllowed);
  if (request.method != "POST") return Result<Outcome>(kMethodNotAllowed);
  if (!token && (r.resource == "localsubjectaccessreviews") != !r.ns.empty())
    return Result<Outcome>(ApiError{404, "NotFound", "the server could not find the requested resource"});
  auto decoded = decode_body(request.header("content-type"), request.body);
  if (!decoded) return Result<Outcome>(decoded.error());
  if (!decoded->is_object()) return Result<Outcome>(errors::bad_request("the body of the request must be a JSON object"));
  const json::object& body = decoded->get_object();
  const json::object& spec = object_or_empty(body, "spec");
  auto created = [](json::object object) { return Result<Outcome>(Outcome{json_response(201, object), std::nullopt}); };

  if (token) {
    auto account = store_.find("/serviceaccounts", r.ns, r.name);
    if (account == nullptr) return Result<Outcome>(errors::not_found("serviceaccounts", "", r.name));
    std::int64_t seconds = kDefaultTokenSeconds;
    if (const auto* e = spec.if_contains("expirationSeconds"); e != nullptr && !e->is_null()) seconds = int_of(*e, 0);
    if (seconds < kMinTokenSeconds)
      return Result<Outcome>(errors::invalid("TokenRequest", kAuthenticationGroup, r.name,
                                             {errors::invalid_value("spec.expirationSeconds", std::to_string(seconds),
                                                                    "may not specify a duration less than 10 minutes")}));
    if (seconds > kMaxTokenSeconds)
      return Result<Outcome>(errors::invalid("TokenRequest", kAuthenticationGroup, r.name,
                                             {errors::invalid_value("spec.expirationSeconds", std::to_string(seconds),
                                                                    "may not specify a duration larger than 2^32 seconds")}));
    auto audiences = strings_at(spec, "audiences");
    if (audiences.empty()) audiences = {"https://kubernetes.default.svc.cluster.local"};
    auto [issued, expires] = authenticator_.issue(*account, seconds);
    const auto* bound = spec.if_contains("boundObjectRef");
    return created(json::object{
        {"kind", "TokenRequest"},
        {"apiVersion", "authentication.k8s.io/v1"},
        {"metadata", json::object{{"name", r.name}, {"namespace", r.ns}, {"creationTimestamp", rfc3339(options_.clock())}}},
        {"spec", json::object{{"audiences", array_of(audiences)},
                              {"expirationSeconds", seconds},
                              {"boundObjectRef", bound != nullptr ? *bound : json::value(nullptr)}}},
        {"status", json::object{{"token", issued}, {"expirationTimestamp", rfc3339(expires)}}}});
  }
  if (authentication)
    return created(json::object{{"kind", "SelfSubjectReview"},
                                {"apiVersion", "authentication.k8s.io/v1"},
                                {"metadata", json::object{{"creationTimestamp", nullptr}}},
                                {"status", json::object{{"userInfo", r.user.to_json()}}}});
  if (r.resource == "selfsubjectrulesreviews") {
    std::string ns = string_at(spec, "namespace");
    json::array resource_rules, non_resource_rules;
    for (const auto& rule : authorizer_.rules_for(r.user, ns)) {
      if (rule.contains("nonResourceURLs"))
        non_resource_rules.push_back(json::object{{"verbs", array_of(strings_at(rule, "verbs"))},
                                                  {"nonResourceURLs", array_of(strings_at(rule, "nonResourceURLs"))}});
      if (rule.contains("resources") || rule.contains("apiGroups")) {
        json::object out{{"verbs", array_of(strings_at(rule, "verbs"))},
                         {"apiGroups", array_of(strings_at(rule, "apiGroups"))},
                         {"resources", array_of(strings_at(rule, "resources"))}};
        if (auto names = strings_at(rule, "resourceNames"); !names.empty()) out["resourceNames"] = array_of(names);
        resource_rules.push_back(std::move(out));
      }
    }
    return created(review_response(body, "SelfSubjectRulesReview", kAuthorizationGroup,
                                   json::object{{"resourceRules", std::move(resource_rules)},
                                                {"nonResourceRules", std::move(non_resource_rules)},
                                                {"incomplete", false}}));
  }
  std::string kind = r.resource == "selfsubjectaccessreviews" ? "SelfSubjectAccessReview"
                     : r.resource == "subjectaccessreviews"   ? "SubjectAccessReview"
                                                              : "LocalSubjectAccessReview";
  auto attributes = review_attributes(spec, kind);
  if (!attributes) return Result<Outcome>(attributes.error());
  if (r.resource == "selfsubjectaccessreviews") {
    attributes->user = r.user;
  } else {
    attributes->user.username = string_at(spec, "user");
    attributes->user.uid = string_at(spec, "uid");
    attributes->user.groups = strings_at(spec, "groups");
    if (const auto* extra = spec.if_contains("extra"); extra != nullptr && extra->is_object())
      for (const auto& [key, values] : extra->get_object())
        if (values.is_array())
          for (const auto& v : values.get_array())
            if (v.is_string()) attributes->user.extra[std::string(key)].emplace_back(v.get_string());
    if (attributes->user.username.empty() && attributes->user.groups.empty())
      return Result<Outcome>(errors::invalid(kind, kAuthorizationGroup, "",
                                             {errors::invalid_value("spec.user", "\"\"",
                                                                    "at least one of user or group must be specified")}));
  }
  if (r.resource == "localsubjectaccessreviews") {
    if (!attributes->resource_request)
      return Result<Outcome>(errors::invalid(kind, kAuthorizationGroup, "",
                                             {errors::invalid_value("spec.nonResourceAttributes", "{}",
                                                                    "disallowed on this kind of request")}));
    if (attributes->ns != r.ns)
      return Result<Outcome>(errors::bad_request("spec.resourceAttributes.namespace must match namespace: " + r.ns));
  }
  return created(review_response(body, kind, kAuthorizationGroup, access_status(authorizer_.authorize(*attributes))));
}

}  // namespace dragops::apiserver
