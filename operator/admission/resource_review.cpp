#include "operator/admission/resource_review.hpp"

#include "crypto/base64.hpp"
#include "operator/observation.hpp"
#include "store/names.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace dragops::op::admission {

namespace json = boost::json;

namespace {

using Parsed = boost::system::result<ResourceRequest, std::string>;
Parsed fail(std::string message) { return Parsed(boost::system::in_place_error, std::move(message)); }

std::string string_at(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

const json::object* object_at(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() ? it->value().if_object() : nullptr;
}

UserInfo parse_user(const json::object* info) {
  UserInfo user;
  if (!info) return user;
  user.username = string_at(*info, "username");
  user.uid = string_at(*info, "uid");
  if (auto it = info->find("groups"); it != info->end() && it->value().is_array()) {
    for (const auto& group : it->value().get_array())
      if (group.is_string()) user.groups.emplace_back(group.get_string());
  }
  if (const auto* extra = object_at(*info, "extra")) {
    for (const auto& [key, values] : *extra) {
      if (!values.is_array()) continue;
      json::array strings;
      for (const auto& value : values.get_array())
        if (value.is_string()) strings.push_back(value);
      user.extra[key] = std::move(strings);
    }
  }
  return user;
}

std::optional<store::Kind> dragops_kind(const json::object& request) {
  const auto* kind = object_at(request, "kind");
  if (!kind || string_at(*kind, "group") != "dragops.io") return std::nullopt;
  store::Kind out;
  if (!store::kind_from_string(string_at(*kind, "kind"), out)) return std::nullopt;
  return out;
}

// JSON Pointer escaping of one path segment (RFC 6901).
std::string pointer_segment(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace

Parsed parse_resource_request(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return fail("the body is not a JSON object");
  const json::object& review = parsed.get_object();
  if (string_at(review, "kind") != "AdmissionReview" || string_at(review, "apiVersion") != "admission.k8s.io/v1")
    return fail("expected an admission.k8s.io/v1 AdmissionReview");
  const json::object* request = object_at(review, "request");
  if (!request) return fail("the AdmissionReview has no request");
  ResourceRequest out;
  out.uid = string_at(*request, "uid");
  if (out.uid.empty()) return fail("the AdmissionReview request has no uid");
  out.operation = string_at(*request, "operation");
  out.namespace_ = string_at(*request, "namespace");
  out.kind = dragops_kind(*request);
  out.user = parse_user(object_at(*request, "userInfo"));
  if (const auto* object = object_at(*request, "object")) out.object = *object;
  if (const auto* old = object_at(*request, "oldObject")) out.old_object = *old;
  // A subresource (status) is not the object's spec or metadata: nothing to check.
  if (!string_at(*request, "subResource").empty()) out.kind.reset();
  return out;
}

namespace {

// What a reference reads: a Secret's name, and for a secretKeyRef the key too (another key of a
// Secret someone else was allowed to name is another read).
std::vector<std::pair<std::string, std::string>> reads_of(const json::object& object, store::Kind kind) {
  std::vector<std::pair<std::string, std::string>> reads;
  if (kind == store::Kind::connection) {
    for (auto& name : referenced_secrets(object, kind)) reads.emplace_back(std::move(name), "");
  } else {
    for (const auto& [environment, ref] : parse_secret_spec(object).environments)
      if (!ref.name.empty()) reads.emplace_back(ref.name, ref.key);
  }
  return reads;
}

}  // namespace

std::vector<std::string> new_references(const ResourceRequest& request) {
  if (!request.kind) return {};
  auto reads = reads_of(request.object, *request.kind);
  if (request.operation == "UPDATE" && request.old_object) {
    const auto before = reads_of(*request.old_object, *request.kind);
    std::erase_if(reads, [&](const auto& read) { return std::find(before.begin(), before.end(), read) != before.end(); });
  }
  std::vector<std::string> names;
  for (auto& [name, key] : reads)
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  return names;
}

std::optional<std::string> owner_of(const json::object& object) {
  const auto* metadata = object_at(object, "metadata");
  const auto* annotations = metadata ? object_at(*metadata, "annotations") : nullptr;
  if (!annotations) return std::nullopt;
  auto it = annotations->find(kOwnerAnnotation);
  if (it == annotations->end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

json::array owner_patch(const ResourceRequest& request) {
  if (!request.kind) return {};
  std::optional<std::string> wanted;
  if (request.operation == "CREATE") wanted = request.user.username;
  // UPDATE: a manifest without the annotation (kubectl replace, server-side apply) keeps the
  // recorded owner; a different value is left for the validating step to refuse, by name.
  else if (request.operation == "UPDATE" && request.old_object && !owner_of(request.object)) wanted = owner_of(*request.old_object);
  if (!wanted || owner_of(request.object) == wanted) return {};
  const auto* metadata = object_at(request.object, "metadata");
  const auto* annotations = metadata ? object_at(*metadata, "annotations") : nullptr;
  json::array patch;
  if (!metadata) {
    patch.push_back(json::object{{"op", "add"}, {"path", "/metadata"},
                                 {"value", {{"annotations", {{kOwnerAnnotation, *wanted}}}}}});
  } else if (!annotations) {
    patch.push_back(json::object{{"op", "add"}, {"path", "/metadata/annotations"}, {"value", {{kOwnerAnnotation, *wanted}}}});
  } else {
    patch.push_back(json::object{{"op", "add"}, {"path", "/metadata/annotations/" + pointer_segment(kOwnerAnnotation)},
                                 {"value", *wanted}});
  }
  return patch;
}

std::optional<std::string> owner_problem(const ResourceRequest& request) {
  if (!request.kind) return std::nullopt;
  const auto owner = owner_of(request.object);
  const std::string where = "metadata.annotations[\"" + std::string(kOwnerAnnotation) + "\"]";
  if (request.operation == "CREATE") {
    if (owner != request.user.username)
      return where + " is set by dragops to the creating user; it was not (is the mutating webhook configuration " +
             "installed?)";
    return std::nullopt;
  }
  if (request.operation == "UPDATE" && request.old_object) {
    const auto before = owner_of(*request.old_object);
    if (owner != before) {
      return where + " records who created this " + std::string(store::to_string(*request.kind)) +
             (before ? " (" + *before + ")" : std::string(" (nobody: created before dragops recorded owners)")) +
             " and cannot be set or changed";
    }
  }
  return std::nullopt;
}

json::object secret_access_review(const UserInfo& user, std::string_view namespace_, std::string_view name) {
  json::array groups;
  for (const auto& group : user.groups) groups.emplace_back(group);
  json::object spec{{"user", user.username},
                    {"groups", std::move(groups)},
                    {"resourceAttributes",
                     {{"namespace", namespace_}, {"verb", "get"}, {"group", ""}, {"version", "v1"}, {"resource", "secrets"},
                      {"name", name}}}};
  if (!user.uid.empty()) spec["uid"] = user.uid;
  if (!user.extra.empty()) spec["extra"] = user.extra;
  return json::object{{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SubjectAccessReview"}, {"spec", std::move(spec)}};
}

std::string forbidden_reference_message(const ResourceRequest& request, std::string_view secret) {
  return "user \"" + request.user.username + "\" may not get Secret \"" + std::string(secret) + "\" in namespace \"" +
         request.namespace_ + "\", which this " +
         std::string(request.kind ? store::to_string(*request.kind) : std::string_view("object")) +
         " references; the operator would read it on the user's behalf. Grant the verb get on the resource secrets " +
         "(resourceNames: [" + std::string(secret) + "]) to the user, or use sealed input";
}

json::object allow(std::string_view uid, const json::array& patch) {
  json::object response{{"uid", uid}, {"allowed", true}};
  if (!patch.empty()) {
    const std::string text = json::serialize(patch);
    response["patchType"] = "JSONPatch";
    response["patch"] = crypto::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }
  return json::object{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(response)}};
}

json::object deny(std::string_view uid, int code, std::string_view message) {
  json::object response{{"uid", uid},
                        {"allowed", false},
                        {"status", {{"code", code},
                                    {"reason", code == 403 ? "Forbidden" : "InternalError"},
                                    {"message", "dragops: " + std::string(message)}}}};
  return json::object{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(response)}};
}

}  // namespace dragops::op::admission
