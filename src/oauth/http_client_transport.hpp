#pragma once
// FormTransport over src/http's Client: TLS verification on, optional CA bundle (ClientOptions),
// connect/read/total timeouts and a response size limit. Request and response bodies are
// wiped after use; nothing is logged.

#include "oauth/http_provider.hpp"

#include <chrono>
#include <memory>

namespace dragops::http {
class Client;
}

namespace dragops::oauth {

inline constexpr std::size_t kMaxProviderResponseBytes = 64 * 1024;

std::shared_ptr<FormTransport> make_http_transport(std::shared_ptr<http::Client> client,
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace dragops::oauth
