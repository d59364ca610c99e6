#include "oauth/http_provider.hpp"

namespace dragops::oauth {

HttpProvider::HttpProvider(ProviderEndpoints endpoints, ClientCredentials client,
                           std::shared_ptr<FormTransport> transport, const Clock& clock)
    : endpoints_(std::move(endpoints)), client_(std::move(client)), transport_(std::move(transport)), clock_(clock) {}

boost::system::result<TokenSet, OAuthError> HttpProvider::exchange_code(std::string_view code,
                                                                        std::string_view redirect_uri,
                                                                        const crypto::SecretBytes& code_verifier) {
  const auto request =
      authorization_code_request(endpoints_.token_url, client_, code, redirect_uri, code_verifier.view());
  // The provider issues the token after it receives the request, so a lifetime counted from the
  // moment we sent it never ends later than the provider's own expiry.
  const auto sent_at = clock_.now();
  auto reply = transport_->post(request);
  if (!reply) return reply.error();
  const auto sent_code = crypto::SecretBytes::from_string(code);
  return parse_token_response(*reply, sent_at, {&sent_code, &code_verifier, &client_.client_secret});
}

boost::system::result<TokenSet, OAuthError> HttpProvider::refresh(const crypto::SecretBytes& refresh_token) {
  const auto request = refresh_token_request(endpoints_.token_url, client_, refresh_token.view());
  const auto sent_at = clock_.now();   // see exchange_code
  auto reply = transport_->post(request);
  if (!reply) return reply.error();
  return parse_token_response(*reply, sent_at, {&refresh_token, &client_.client_secret});
}

boost::system::result<void, OAuthError> HttpProvider::revoke(const crypto::SecretBytes& token,
                                                             std::string_view token_type_hint) {
  if (endpoints_.revocation_url.empty()) {
    return OAuthError{ErrorKind::not_supported, "", "the provider has no revocation endpoint", 0, std::nullopt};
  }
  const auto request = revocation_request(endpoints_.revocation_url, client_, token.view(), token_type_hint);
  auto reply = transport_->post(request);
  if (!reply) return reply.error();
  return parse_revocation_response(*reply, {&token, &client_.client_secret});
}

boost::system::result<Introspection, OAuthError> HttpProvider::introspect(const crypto::SecretBytes& token,
                                                                          std::string_view token_type_hint) {
  if (endpoints_.introspection_url.empty()) {
    return OAuthError{ErrorKind::not_supported, "", "the provider has no introspection endpoint", 0, std::nullopt};
  }
  const auto request = introspection_request(endpoints_.introspection_url, client_, token.view(), token_type_hint);
  auto reply = transport_->post(request);
  if (!reply) return reply.error();
  return parse_introspection_response(*reply, {&token, &client_.client_secret});
}

}  // namespace dragops::oauth
