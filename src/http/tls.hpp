#pragma once
// TLS settings for http::Client. PEM data and file paths are alternatives; data wins when both
// are set. The client key is credential material: it is never logged or echoed in an error.

#include <string>

namespace dragops::http {

struct TlsOptions {
  std::string ca_pem;     // one or more PEM certificates to trust instead of the system store
  std::string ca_file;
  std::string client_cert_pem;
  std::string client_cert_file;
  std::string client_key_pem;
  std::string client_key_file;
  // Turns off certificate and hostname verification. For local experiments only.
  bool insecure_skip_verify = false;
  // Verify the peer against this name instead of the URL's host (kubeconfig tls-server-name).
  std::string server_name;
};

}  // namespace dragops::http
