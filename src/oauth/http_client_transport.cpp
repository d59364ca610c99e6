#include "oauth/http_client_transport.hpp"

#include "http/client.hpp"

namespace dragops::oauth {

namespace {

class HttpClientTransport final : public FormTransport {
 public:
  HttpClientTransport(std::shared_ptr<http::Client> client, std::chrono::milliseconds timeout)
      : client_(std::move(client)), timeout_(timeout) {}

  boost::system::result<HttpReply, OAuthError> post(const FormRequest& form) override {
    http::ClientRequest request;
    request.method = "POST";
    request.url = form.url;
    request.timeout = timeout_;
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    request.headers.push_back({"Accept", "application/json"});
    if (!form.authorization.empty()) request.headers.push_back({"Authorization", std::string(form.authorization.view())});
    request.body.assign(form.body.view());
    auto response = client_->send(request);
    wipe_request(request);
    if (!response) {
      OAuthError error;
      error.kind = ErrorKind::transport;
      error.description = response.error().message;  // names host, step and reason only
      return error;
    }
    if (response->body.size() > kMaxProviderResponseBytes) {
      crypto::wipe(response->body.data(), response->body.size());
      OAuthError error;
      error.kind = ErrorKind::transport;
      error.http_status = response->status;
      error.description = "provider response larger than 64 KiB";
      return error;
    }
    HttpReply reply;
    reply.status = response->status;
    reply.content_type = std::string(response->header("Content-Type"));
    reply.retry_after = std::string(response->header("Retry-After"));
    reply.body = crypto::SecretBytes::from_string(response->body);
    crypto::wipe(response->body.data(), response->body.size());
    return reply;
  }

 private:
  static void wipe_request(http::ClientRequest& request) {
    crypto::wipe(request.body.data(), request.body.size());
    for (auto& header : request.headers) {
      if (header.name == "Authorization") crypto::wipe(header.value.data(), header.value.size());
    }
  }

  std::shared_ptr<http::Client> client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::shared_ptr<FormTransport> make_http_transport(std::shared_ptr<http::Client> client,
                                                   std::chrono::milliseconds timeout) {
  return std::make_shared<HttpClientTransport>(std::move(client), timeout);
}

}  // namespace dragops::oauth
