#include "http/tls_context.hpp"

#include <boost/asio/buffer.hpp>
#include <openssl/ssl.h>

namespace dragops::http {

namespace ssl = boost::asio::ssl;

namespace {

TlsContextResult failure(std::string what, const boost::system::error_code& ec) {
  return {nullptr, what + ": " + ec.message()};
}

}  // namespace

TlsContextResult make_tls_context(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                       ec);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);

  if (!options.ca_pem.empty()) {
    context->add_certificate_authority(boost::asio::buffer(options.ca_pem), ec);
    if (ec) return failure("certificate-authority data is not a valid PEM certificate bundle", ec);
  } else if (!options.ca_file.empty()) {
    context->load_verify_file(options.ca_file, ec);
    if (ec) return failure("cannot load certificate-authority file " + options.ca_file, ec);
  } else {
    context->set_default_verify_paths(ec);
    if (ec) return failure("cannot load the system certificate store", ec);
  }

  const bool has_cert = !options.client_cert_pem.empty() || !options.client_cert_file.empty();
  const bool has_key = !options.client_key_pem.empty() || !options.client_key_file.empty();
  if (has_cert != has_key) {
    return {nullptr, has_cert ? "client certificate given without a client key"
                              : "client key given without a client certificate"};
  }
  if (has_cert) {
    if (!options.client_cert_pem.empty()) {
      context->use_certificate_chain(boost::asio::buffer(options.client_cert_pem), ec);
      if (ec) return failure("client-certificate data is not a valid PEM certificate", ec);
    } else {
      context->use_certificate_chain_file(options.client_cert_file, ec);
      if (ec) return failure("cannot load client-certificate file " + options.client_cert_file, ec);
    }
    if (!options.client_key_pem.empty()) {
      context->use_private_key(boost::asio::buffer(options.client_key_pem), ssl::context::pem, ec);
      if (ec) return failure("client-key data is not a valid PEM private key", ec);
    } else {
      context->use_private_key_file(options.client_key_file, ssl::context::pem, ec);
      if (ec) return failure("cannot load client-key file " + options.client_key_file, ec);
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return {nullptr, "client key does not match the client certificate"};
    }
  }

  context->set_verify_mode(options.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer, ec);
  return {std::move(context), {}};
}

}  // namespace dragops::http
