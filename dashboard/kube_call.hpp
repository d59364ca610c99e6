#pragma once
// One Kubernetes API call made with the signed-in user's own credential. The dashboard has no
// credential of its own for these: the server URL and CA come from its configuration, the token
// from the session. Nothing here logs a body or a header.

#include "http/tls.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace dragops::http {
class Client;
}

namespace dragops::dashboard {

struct KubeRequest {
  std::string method = "GET";
  std::string path;            // "/apis/dragops.io/v1alpha1/namespaces/team-a/connections"
  std::string body;
  std::string content_type;    // "" when there is no body
};

struct KubeAnswer {
  int status = 0;              // 0: the API server could not be reached (body says why)
  std::string body;
};

// The token is passed per call; an implementation must not keep it.
using KubeCall = std::function<KubeAnswer(const KubeRequest& request, std::string_view token)>;

// Calls server (https://host:port) over client.
KubeCall http_kube_call(std::string server, std::shared_ptr<http::Client> client);

}  // namespace dragops::dashboard
