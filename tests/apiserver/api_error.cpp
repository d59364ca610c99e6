#include "apiserver/api_error.hpp"

#include <boost/json/array.hpp>

#include <stdexcept>

namespace dragops::apiserver {

namespace json = boost::json;

json::object ApiError::to_status() const {
  json::object status{{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", json::object{}},
                      {"status", "Failure"},
                      {"message", message},
                      {"reason", reason},
                      {"code", code}};
  json::object details;
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!causes.empty()) {
    json::array list;
    for (const auto& c : causes) {
      json::object cause;
      if (!c.reason.empty()) cause["reason"] = c.reason;
      cause["message"] = c.message;
      if (!c.field.empty()) cause["field"] = c.field;
      list.push_back(std::move(cause));
    }
    details["causes"] = std::move(list);
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  if (!details.empty()) status["details"] = std::move(details);
  if (reason.empty()) status.erase("reason");
  return status;
}

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

std::string qualified_resource(const std::string& resource, const std::string& group) {
  return group.empty() ? resource : resource + "." + group;
}

namespace errors {

ApiError not_found(const std::string& resource, const std::string& group, const std::string& name) {
  ApiError e{404, "NotFound", qualified_resource(resource, group) + " \"" + name + "\" not found"};
  e.name = name;
  e.group = group;
  e.kind = resource;
  return e;
}

ApiError already_exists(const std::string& resource, const std::string& group, const std::string& name) {
  ApiError e{409, "AlreadyExists", qualified_resource(resource, group) + " \"" + name + "\" already exists"};
  e.name = name;
  e.group = group;
  e.kind = resource;
  return e;
}

ApiError conflict(const std::string& resource, const std::string& group, const std::string& name,
                  const std::string& why) {
  ApiError e{409, "Conflict",
             "Operation cannot be fulfilled on " + qualified_resource(resource, group) + " \"" + name + "\": " + why};
  e.name = name;
  e.group = group;
  e.kind = resource;
  return e;
}

ApiError stale(const std::string& resource, const std::string& group, const std::string& name) {
  return conflict(resource, group, name,
                  "the object has been modified; please apply your changes to the latest version and try again");
}

ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<Cause> causes) {
  std::string list;
  for (const auto& c : causes) {
    if (!list.empty()) list += ", ";
    list += c.field.empty() ? c.message : c.field + ": " + c.message;
  }
  if (causes.size() > 1) list = "[" + list + "]";
  std::string qualified = group.empty() ? kind : kind + "." + group;
  ApiError e{422, "Invalid", qualified + " \"" + name + "\" is invalid: " + list};
  e.name = name;
  e.group = group;
  e.kind = kind;
  e.causes = std::move(causes);
  return e;
}

ApiError bad_request(const std::string& message) { return {400, "BadRequest", message}; }

ApiError forbidden(const std::string& resource, const std::string& group, const std::string& name,
                   const std::string& why) {
  std::string what = qualified_resource(resource, group);
  ApiError e{403, "Forbidden",
             name.empty() ? what + " is forbidden: " + why : what + " \"" + name + "\" is forbidden: " + why};
  e.name = name;
  e.group = group;
  e.kind = resource;
  return e;
}

ApiError expired(const std::string& message) { return {410, "Expired", message}; }
ApiError gone(const std::string& message) { return {410, "Gone", message}; }
ApiError method_not_allowed(const std::string& message) { return {405, "MethodNotAllowed", message}; }

ApiError unsupported_media_type(const std::string& content_type) {
  return {415, "UnsupportedMediaType",
          "the body of the request was in an unknown format (" + content_type +
              ") - accepted media types include: application/json, application/yaml"};
}

ApiError not_acceptable(const std::string& message) { return {406, "NotAcceptable", message}; }
ApiError too_large(const std::string& message) { return {413, "RequestEntityTooLarge", message}; }
ApiError unauthorized() { return {401, "Unauthorized", "Unauthorized"}; }
ApiError internal(const std::string& message) {
  ApiError e{500, "InternalError", "Internal error occurred: " + message};
  e.causes.push_back({"", message, ""});
  return e;
}
ApiError timeout(const std::string& message) { return {504, "Timeout", message}; }

Cause required(const std::string& field, const std::string& detail) {
  return {"FieldValueRequired", detail.empty() ? "Required value" : "Required value: " + detail, field};
}

Cause invalid_value(const std::string& field, const std::string& value_repr, const std::string& detail) {
  return {"FieldValueInvalid", "Invalid value: " + value_repr + (detail.empty() ? "" : ": " + detail), field};
}

Cause unsupported_value(const std::string& field, const std::string& value_repr,
                        const std::vector<std::string>& supported) {
  std::string list;
  for (const auto& s : supported) {
    if (!list.empty()) list += ", ";
    list += s;
  }
  return {"FieldValueNotSupported", "Unsupported value: " + value_repr + ": supported values: " + list, field};
}

Cause forbidden_field(const std::string& field, const std::string& detail) {
  return {"FieldValueForbidden", "Forbidden: " + detail, field};
}

Cause invalid_type(const std::string& field, const std::string& value_repr, const std::string& expected) {
  return {"FieldValueTypeInvalid", "Invalid value: " + value_repr + ": " + expected, field};
}

Cause too_long(const std::string& field, const std::string& detail) {
  return {"FieldValueTooLong", "Too long: " + detail, field};
}

Cause duplicate(const std::string& field, const std::string& value_repr) {
  return {"FieldValueDuplicate", "Duplicate value: " + value_repr, field};
}

}  // namespace errors
}  // namespace dragops::apiserver
