#pragma once
// OAuthProvider over HTTP: builds the form requests (token_request.hpp), posts them through a
// FormTransport and parses the answers (token_response.hpp). The transport is a seam so this
// file needs no socket; http_client_transport.hpp adapts src/http's Client (TLS verification,
// CA bundle, timeouts, size limits) to it.

#include "oauth/clock.hpp"
#include "oauth/provider.hpp"
#include "oauth/token_request.hpp"

#include <memory>
#include <string>

namespace dragops::oauth {

// POSTs application/x-www-form-urlencoded with Accept: application/json. Answers with whatever
// HTTP status came back; an error only when there was no HTTP answer (kind transport).
class FormTransport {
 public:
  virtual ~FormTransport() = default;
  virtual boost::system::result<HttpReply, OAuthError> post(const FormRequest& request) = 0;
};

struct ProviderEndpoints {
  std::string token_url;
  std::string revocation_url;     // "" : the provider has none (revoke() answers not_supported)
  std::string introspection_url;  // "" : none
};

class HttpProvider final : public OAuthProvider {
 public:
  HttpProvider(ProviderEndpoints endpoints, ClientCredentials client, std::shared_ptr<FormTransport> transport,
               const Clock& clock);

  boost::system::result<TokenSet, OAuthError> exchange_code(std::string_view code, std::string_view redirect_uri,
                                                            const crypto::SecretBytes& code_verifier) override;
  boost::system::result<TokenSet, OAuthError> refresh(const crypto::SecretBytes& refresh_token) override;
  boost::system::result<void, OAuthError> revoke(const crypto::SecretBytes& token,
                                                 std::string_view token_type_hint) override;
  boost::system::result<Introspection, OAuthError> introspect(const crypto::SecretBytes& token,
                                                              std::string_view token_type_hint) override;

 private:
  ProviderEndpoints endpoints_;
  ClientCredentials client_;
  std::shared_ptr<FormTransport> transport_;
  const Clock& clock_;
};

}  // namespace dragops::oauth
