#pragma once
// An IntegrationPack: the auth type, the credential fields and the OAuth endpoints of one
// external service. Parsed from the custom resource exactly as the API server sends it.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::packs {

enum class AuthType { api_key, oauth2, fields };
// The spelling in the resource and in the store annotations: "apiKey" | "oauth2" | "fields".
std::string_view to_string(AuthType type);
std::optional<AuthType> auth_type_from_string(std::string_view text);

enum class FieldFormat { text, email, url };
std::string_view to_string(FieldFormat format);

struct Field {
  std::string name;
  std::string label;
  bool required = true;
  bool secret = false;
  FieldFormat format = FieldFormat::text;
};

struct OAuthEndpoints {
  std::string authorize_url;
  std::string token_url;
  std::string revoke_url;   // "" : the provider has no RFC 7009 endpoint
  bool pkce = true;
  std::vector<std::string> default_scopes;
  std::map<std::string, std::string> extra_authorize_params;
  // RFC 9207: the provider's issuer identifier. When set, the callback requires the `iss`
  // parameter to equal it before the code goes anywhere (mix-up attack defence); "" : not checked.
  std::string issuer;
};

struct Pack {
  std::string name;
  std::string display_name;
  AuthType auth_type = AuthType::fields;
  std::vector<Field> fields;
  std::optional<OAuthEndpoints> oauth;   // set exactly when auth_type is oauth2

  const Field* field(std::string_view field_name) const;
};

// The one field an apiKey pack has when it lists none.
inline constexpr std::string_view kDefaultApiKeyField = "api_key";

// Parses an IntegrationPack object. The error names the offending path ("spec.authType: ...").
boost::system::result<Pack, std::string> parse_pack(const boost::json::object& object);

}  // namespace dragops::packs
