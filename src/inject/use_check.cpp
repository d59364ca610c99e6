#include "inject/use_check.hpp"

#include "kube/access_review.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace dragops::inject {

namespace json = boost::json;

namespace {

constexpr std::string_view kConnectionStorePrefix = "dragops-conn-";
constexpr std::string_view kSecretStorePrefix = "dragops-secret-";

std::string_view kind_word(const UsedObject& object) { return object.resource == "connections" ? "connection" : "secret"; }

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

std::optional<UseScope> parse_use_scope(std::string_view text) {
  if (text == "serviceaccount") return UseScope::service_account;
  if (text == "namespace") return UseScope::namespace_;
  return std::nullopt;
}

std::vector<UsedObject> used_objects(const InjectRequest& request) {
  std::vector<UsedObject> objects;
  for (const auto& name : request.connections) objects.push_back({"connections", name});
  for (const auto& name : request.secrets) objects.push_back({"secrets", name});
  return objects;
}

std::string store_name_of(const UsedObject& object) {
  return std::string(object.resource == "connections" ? kConnectionStorePrefix : kSecretStorePrefix) + object.name;
}

std::optional<UsedObject> used_object_of_store(std::string_view store_name) {
  if (store_name.starts_with(kConnectionStorePrefix))
    return UsedObject{"connections", std::string(store_name.substr(kConnectionStorePrefix.size()))};
  if (store_name.starts_with(kSecretStorePrefix))
    return UsedObject{"secrets", std::string(store_name.substr(kSecretStorePrefix.size()))};
  return std::nullopt;
}

json::object use_access_review(std::string_view ns, std::string_view service_account, const UsedObject& object) {
  const std::string user = "system:serviceaccount:" + std::string(ns) + ":" + std::string(service_account);
  json::object spec{
      {"user", user},
      {"groups", json::array{"system:serviceaccounts", "system:serviceaccounts:" + std::string(ns), "system:authenticated"}},
      {"resourceAttributes",
       {{"namespace", ns}, {"verb", kUseVerb}, {"group", kUseGroup}, {"resource", object.resource}, {"name", object.name}}}};
  return json::object{{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SubjectAccessReview"}, {"spec", std::move(spec)}};
}

UseCheck api_use_check(kube::Api& api) {
  return [&api](std::string_view ns, std::string_view service_account, const UsedObject& object) {
    return kube::review_access(api, use_access_review(ns, service_account, object));
  };
}

std::optional<std::string> refuse_unusable(std::string_view ns, std::string_view service_account,
                                           const std::vector<UsedObject>& objects, const UseCheck& check,
                                           std::chrono::steady_clock::time_point deadline,
                                           const std::function<std::chrono::steady_clock::time_point()>& now) {
  const std::string who = "ServiceAccount " + quoted(service_account);
  std::vector<const UsedObject*> refused;
  for (const auto& object : objects) {
    if (&object != &objects.front() && now() >= deadline) {
      return "the use checks for " + who + " did not finish within the webhook's timeout, at " + std::string(kind_word(object)) +
             " " + quoted(object.name) + "; nothing was decided, so the pod is denied: create it again";
    }
    auto allowed = check(ns, service_account, object);
    if (!allowed) {
      return "cannot check whether " + who + " may use " + std::string(kind_word(object)) + " " + quoted(object.name) + ": " +
             allowed.error() + "; the pod is denied until the check can be made";
    }
    if (!*allowed) refused.push_back(&object);
  }
  if (refused.empty()) return std::nullopt;
  std::string message = who + " may not use ";
  for (std::size_t i = 0; i < refused.size(); ++i) {
    if (i > 0) message += i + 1 == refused.size() ? " and " : ", ";
    message += std::string(kind_word(*refused[i])) + " " + quoted(refused[i]->name);
  }
  message += " in namespace " + quoted(ns) + ": grant it the verb \"use\" on ";
  for (std::size_t i = 0; i < refused.size(); ++i) {
    if (i > 0) message += ", ";
    message += refused[i]->resource + "." + std::string(kUseGroup) + " (resourceNames: [" + refused[i]->name + "])";
  }
  message += ", e.g. kubectl dragops share " + std::string(kind_word(*refused.front())) + " " + refused.front()->name +
             " --serviceaccount " + std::string(service_account) + " -n " + std::string(ns);
  return message;
}

boost::system::result<std::set<std::string>, std::string> usable_store_names(std::string_view ns,
                                                                              std::string_view service_account,
                                                                              const std::set<std::string>& store_names,
                                                                              const UseCheck& check) {
  std::set<std::string> usable;
  for (const auto& store_name : store_names) {
    auto object = used_object_of_store(store_name);
    if (!object) {
      usable.insert(store_name);
      continue;
    }
    auto allowed = check(ns, service_account, *object);
    if (!allowed) {
      return boost::system::result<std::set<std::string>, std::string>(
          boost::system::in_place_error, "cannot check whether ServiceAccount " + quoted(service_account) + " may use " +
                                             std::string(kind_word(*object)) + " " + quoted(object->name) + ": " +
                                             allowed.error());
    }
    if (*allowed) usable.insert(store_name);
  }
  return usable;
}

std::chrono::milliseconds check_budget(std::string_view target, std::chrono::milliseconds longest_check) {
  using std::chrono::milliseconds;
  milliseconds timeout{10'000};
  if (auto url = boost::urls::parse_origin_form(target)) {
    auto params = url->params();
    if (auto it = params.find("timeout"); it != params.end() && (*it).has_value) {
      // Go's time.Duration text as the API server writes it: "10s", "2.5s" (the timeout is 1 to 30 s).
      const std::string value = (*it).value;
      double seconds = 0;
      if (value.size() >= 2 && value.back() == 's') {
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size() - 1, seconds);
        if (ec == std::errc{} && end == value.data() + value.size() - 1 && seconds > 0 && seconds <= 30)
          timeout = milliseconds(static_cast<long>(seconds * 1000));
      }
    }
  }
  return std::max(milliseconds(0), timeout - milliseconds(1'000) - longest_check);
}

}  // namespace dragops::inject
