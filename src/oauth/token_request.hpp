#pragma once
// Requests to a provider's token, revocation and introspection endpoints, as data: a URL, an
// Authorization header value and a form body. The body and the header hold codes, tokens and
// the client secret, so both are crypto::SecretBytes; the transport wipes its copies.
//
// Client authentication (RFC 6749 section 2.3.1), as the pack says:
//   client_secret_basic: Authorization: Basic base64(form(client_id) ":" form(client_secret))
//   client_secret_post:  client_id and client_secret in the body

#include "crypto/secret_bytes.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace dragops::oauth {

enum class ClientAuthMethod { client_secret_basic, client_secret_post };

// "client_secret_basic" | "client_secret_post"; nullopt for anything else.
std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view name);
std::string_view to_string(ClientAuthMethod method);

struct ClientCredentials {
  std::string client_id;
  crypto::SecretBytes client_secret;
  ClientAuthMethod method = ClientAuthMethod::client_secret_basic;
};

struct FormRequest {
  std::string url;
  crypto::SecretBytes authorization;  // the whole header value, or empty
  crypto::SecretBytes body;           // application/x-www-form-urlencoded
};

FormRequest authorization_code_request(std::string_view token_url, const ClientCredentials& client,
                                       std::string_view code, std::string_view redirect_uri,
                                       std::string_view code_verifier);

FormRequest refresh_token_request(std::string_view token_url, const ClientCredentials& client,
                                  std::string_view refresh_token);

// RFC 7009. hint: "access_token" | "refresh_token" | "" (none).
FormRequest revocation_request(std::string_view revocation_url, const ClientCredentials& client,
                               std::string_view token, std::string_view token_type_hint);

// RFC 7662 (tests use it to ask the provider whether a token is active).
FormRequest introspection_request(std::string_view introspection_url, const ClientCredentials& client,
                                  std::string_view token, std::string_view token_type_hint = "");

}  // namespace dragops::oauth
