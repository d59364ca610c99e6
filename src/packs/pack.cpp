#include "packs/pack.hpp"

#include <boost/json/value.hpp>

namespace dragops::packs {
namespace json = boost::json;
namespace {

using Error = std::string;

// result<T, std::string> does not convert from a bare string (T might too); this says which.
struct Failure {
  std::string message;
  template <class T>
  operator boost::system::result<T, std::string>() && {
    return {boost::system::in_place_error, std::move(message)};
  }
};

const json::object* object_at(const json::object& parent, std::string_view key) {
  auto it = parent.find(key);
  return it != parent.end() ? it->value().if_object() : nullptr;
}

// Optional string member; false (and an error) when present but not a string.
bool read_string(const json::object& parent, std::string_view key, std::string& out, Error& error,
                 std::string_view path) {
  auto it = parent.find(key);
  if (it == parent.end() || it->value().is_null()) return true;
  const auto* text = it->value().if_string();
  if (!text) {
    error = std::string(path) + "." + std::string(key) + ": must be a string";
    return false;
  }
  out.assign(text->data(), text->size());
  return true;
}

bool read_bool(const json::object& parent, std::string_view key, bool& out, Error& error, std::string_view path) {
  auto it = parent.find(key);
  if (it == parent.end() || it->value().is_null()) return true;
  const auto* flag = it->value().if_bool();
  if (!flag) {
    error = std::string(path) + "." + std::string(key) + ": must be a boolean";
    return false;
  }
  out = *flag;
  return true;
}

boost::system::result<Field, Error> parse_field(const json::value& item, std::size_t index) {
  const std::string path = "spec.fields[" + std::to_string(index) + "]";
  const auto* object = item.if_object();
  if (!object) return Failure{path + ": must be an object"};
  Field field;
  Error error;
  std::string format;
  if (!read_string(*object, "name", field.name, error, path) || !read_string(*object, "label", field.label, error, path) ||
      !read_bool(*object, "required", field.required, error, path) ||
      !read_bool(*object, "secret", field.secret, error, path) || !read_string(*object, "format", format, error, path))
    return Failure{error};
  if (field.name.empty()) return Failure{path + ".name: is required"};
  if (format.empty()) field.format = FieldFormat::text;
  else if (format == "email") field.format = FieldFormat::email;
  else if (format == "url") field.format = FieldFormat::url;
  else return Failure{path + ".format: must be email or url"};
  return field;
}

boost::system::result<OAuthEndpoints, Error> parse_oauth(const json::object& oauth) {
  OAuthEndpoints endpoints;
  Error error;
  const std::string_view path = "spec.oauth";
  if (!read_string(oauth, "authorizeURL", endpoints.authorize_url, error, path) ||
      !read_string(oauth, "tokenURL", endpoints.token_url, error, path) ||
      !read_string(oauth, "revokeURL", endpoints.revoke_url, error, path) ||
      !read_string(oauth, "issuer", endpoints.issuer, error, path) ||
      !read_bool(oauth, "pkce", endpoints.pkce, error, path))
    return Failure{error};
  if (endpoints.authorize_url.empty()) return Failure{"spec.oauth.authorizeURL: is required"};
  if (endpoints.token_url.empty()) return Failure{"spec.oauth.tokenURL: is required"};
  if (auto it = oauth.find("defaultScopes"); it != oauth.end() && it->value().is_array()) {
    for (const auto& scope : it->value().get_array())
      if (scope.is_string()) endpoints.default_scopes.emplace_back(scope.get_string());
  }
  if (const auto* extra = object_at(oauth, "extraAuthorizeParams")) {
    for (const auto& [key, value] : *extra)
      if (value.is_string()) endpoints.extra_authorize_params.emplace(key, value.get_string());
  }
  return endpoints;
}

}  // namespace

std::string_view to_string(AuthType type) {
  switch (type) {
    case AuthType::api_key: return "apiKey";
    case AuthType::oauth2: return "oauth2";
    case AuthType::fields: return "fields";
  }
  return "fields";
}

std::optional<AuthType> auth_type_from_string(std::string_view text) {
  if (text == "apiKey") return AuthType::api_key;
  if (text == "oauth2") return AuthType::oauth2;
  if (text == "fields") return AuthType::fields;
  return std::nullopt;
}

std::string_view to_string(FieldFormat format) {
  switch (format) {
    case FieldFormat::text: return "text";
    case FieldFormat::email: return "email";
    case FieldFormat::url: return "url";
  }
  return "text";
}

const Field* Pack::field(std::string_view field_name) const {
  for (const auto& f : fields)
    if (f.name == field_name) return &f;
  return nullptr;
}

boost::system::result<Pack, std::string> parse_pack(const json::object& object) {
  Pack pack;
  const auto* metadata = object_at(object, "metadata");
  if (!metadata) return Failure{"metadata: is required"};
  Error error;
  if (!read_string(*metadata, "name", pack.name, error, "metadata")) return Failure{error};
  if (pack.name.empty()) return Failure{"metadata.name: is required"};
  const auto* spec = object_at(object, "spec");
  if (!spec) return Failure{"spec: is required"};
  if (!read_string(*spec, "displayName", pack.display_name, error, "spec")) return Failure{error};
  std::string auth_type;
  if (!read_string(*spec, "authType", auth_type, error, "spec")) return Failure{error};
  auto parsed_type = auth_type_from_string(auth_type);
  if (!parsed_type) return Failure{"spec.authType: must be apiKey, oauth2 or fields"};
  pack.auth_type = *parsed_type;

  if (auto it = spec->find("fields"); it != spec->end() && !it->value().is_null()) {
    const auto* items = it->value().if_array();
    if (!items) return Failure{"spec.fields: must be a list"};
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto field = parse_field((*items)[i], i);
      if (!field) return Failure{field.error()};
      if (pack.field(field->name)) return Failure{"spec.fields[" + std::to_string(i) + "].name: duplicate " + field->name};
      pack.fields.push_back(std::move(*field));
    }
  }
  switch (pack.auth_type) {
    case AuthType::api_key:
      if (pack.fields.empty()) pack.fields.push_back({std::string(kDefaultApiKeyField), "API key", true, true, FieldFormat::text});
      if (pack.fields.size() != 1) return Failure{"spec.fields: an apiKey pack has exactly one field"};
      break;
    case AuthType::fields:
      if (pack.fields.empty()) return Failure{"spec.fields: a fields pack needs at least one field"};
      break;
    case AuthType::oauth2: {
      const auto* oauth = object_at(*spec, "oauth");
      if (!oauth) return Failure{"spec.oauth: is required for authType oauth2"};
      auto endpoints = parse_oauth(*oauth);
      if (!endpoints) return Failure{endpoints.error()};
      pack.oauth = std::move(*endpoints);
      break;
    }
  }
  return pack;
}

}  // namespace dragops::packs
