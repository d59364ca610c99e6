#pragma once
// Internal to src/http: builds the OpenSSL context a Client uses. Includes Asio's SSL header, so
// only client*.cpp and tls*.cpp include it.

#include "http/tls.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace dragops::http {

struct TlsContextResult {
  std::shared_ptr<boost::asio::ssl::context> context;  // null on error
  std::string error;                                    // names the problem, never the material
};

TlsContextResult make_tls_context(const TlsOptions& options);

}  // namespace dragops::http
