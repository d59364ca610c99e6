#include "oauth/token_request.hpp"

#include "crypto/base64.hpp"
#include "oauth/encoding.hpp"

namespace dragops::oauth {

namespace {

crypto::SecretBytes basic_authorization(const ClientCredentials& client) {
  std::string id = form_encode(client.client_id);
  std::string secret = form_encode(client.client_secret.view());
  std::string joined;
  joined.reserve(id.size() + 1 + secret.size());
  joined += id;
  joined += ':';
  joined += secret;
  std::string b64 = crypto::base64_encode({reinterpret_cast<const std::uint8_t*>(joined.data()), joined.size()});
  std::string encoded;
  encoded.reserve(6 + b64.size());
  encoded += "Basic ";
  encoded += b64;
  auto header = crypto::SecretBytes::from_string(encoded);
  crypto::wipe(b64.data(), b64.size());
  crypto::wipe(secret.data(), secret.size());
  crypto::wipe(joined.data(), joined.size());
  crypto::wipe(encoded.data(), encoded.size());
  return header;
}

FormRequest with_client(std::string_view url, const ClientCredentials& client, FormBody& body) {
  FormRequest request;
  request.url = std::string(url);
  if (client.method == ClientAuthMethod::client_secret_basic) {
    request.authorization = basic_authorization(client);
  } else {
    body.add("client_id", client.client_id);
    body.add("client_secret", client.client_secret.view());
  }
  request.body = body.take();
  return request;
}

}  // namespace

std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view name) {
  if (name == "client_secret_basic") return ClientAuthMethod::client_secret_basic;
  if (name == "client_secret_post") return ClientAuthMethod::client_secret_post;
  return std::nullopt;
}

std::string_view to_string(ClientAuthMethod method) {
  return method == ClientAuthMethod::client_secret_basic ? "client_secret_basic" : "client_secret_post";
}

FormRequest authorization_code_request(std::string_view token_url, const ClientCredentials& client,
                                       std::string_view code, std::string_view redirect_uri,
                                       std::string_view code_verifier) {
  FormBody body;
  body.add("grant_type", "authorization_code").add("code", code).add("redirect_uri", redirect_uri);
  if (!code_verifier.empty()) body.add("code_verifier", code_verifier);
  return with_client(token_url, client, body);
}

FormRequest refresh_token_request(std::string_view token_url, const ClientCredentials& client,
                                  std::string_view refresh_token) {
  FormBody body;
  body.add("grant_type", "refresh_token").add("refresh_token", refresh_token);
  return with_client(token_url, client, body);
}

FormRequest revocation_request(std::string_view revocation_url, const ClientCredentials& client,
                               std::string_view token, std::string_view token_type_hint) {
  FormBody body;
  body.add("token", token);
  if (!token_type_hint.empty()) body.add("token_type_hint", token_type_hint);
  return with_client(revocation_url, client, body);
}

FormRequest introspection_request(std::string_view introspection_url, const ClientCredentials& client,
                                  std::string_view token, std::string_view token_type_hint) {
  FormBody body;
  body.add("token", token);
  if (!token_type_hint.empty()) body.add("token_type_hint", token_type_hint);
  return with_client(introspection_url, client, body);
}

}  // namespace dragops::oauth
