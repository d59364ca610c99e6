#pragma once
// metav1.Status as an error value: every failure the server answers is one of these, with the
// HTTP code and reason kube-apiserver uses for the same situation.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <vector>

namespace dragops::apiserver {

struct Cause {
  std::string reason;   // "FieldValueRequired", "FieldValueNotSupported", ...
  std::string message;
  std::string field;
};

struct ApiError {
  ApiError() = default;
  ApiError(int c, std::string r, std::string m) : code(c), reason(std::move(r)), message(std::move(m)) {}

  int code = 500;
  std::string reason;   // "NotFound", "Conflict", "Invalid", ...
  std::string message;
  // details
  std::string name;
  std::string group;
  std::string kind;
  std::vector<Cause> causes;
  int retry_after_seconds = 0;

  boost::json::object to_status() const;
};

template <class T>
using Result = boost::system::result<T, ApiError>;

[[noreturn]] void throw_exception_from_error(const ApiError& error, const boost::source_location& loc);

// Group-qualified resource as kube prints it in messages: "secrets", "widgets.example.test".
std::string qualified_resource(const std::string& resource, const std::string& group);

namespace errors {
ApiError not_found(const std::string& resource, const std::string& group, const std::string& name);
ApiError already_exists(const std::string& resource, const std::string& group, const std::string& name);
ApiError conflict(const std::string& resource, const std::string& group, const std::string& name,
                  const std::string& why);
ApiError stale(const std::string& resource, const std::string& group, const std::string& name);
// 422: `<Kind> "<name>" is invalid: <cause>, <cause>`
ApiError invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<Cause> causes);
ApiError bad_request(const std::string& message);
ApiError forbidden(const std::string& resource, const std::string& group, const std::string& name,
                   const std::string& why);
ApiError expired(const std::string& message);
ApiError gone(const std::string& message);
ApiError method_not_allowed(const std::string& message);
ApiError unsupported_media_type(const std::string& content_type);
ApiError not_acceptable(const std::string& message);
ApiError too_large(const std::string& message);
ApiError unauthorized();
ApiError internal(const std::string& message);
ApiError timeout(const std::string& message);

// Field error causes in the form `field.path: Required value` etc.
Cause required(const std::string& field, const std::string& detail = "");
Cause invalid_value(const std::string& field, const std::string& value_repr, const std::string& detail);
Cause unsupported_value(const std::string& field, const std::string& value_repr,
                        const std::vector<std::string>& supported);
Cause forbidden_field(const std::string& field, const std::string& detail);
Cause invalid_type(const std::string& field, const std::string& value_repr, const std::string& expected);
Cause too_long(const std::string& field, const std::string& detail);
Cause duplicate(const std::string& field, const std::string& value_repr);
}  // namespace errors

}  // namespace dragops::apiserver
