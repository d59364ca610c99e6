#include "kube_call.hpp"

#include "http/client.hpp"

#include <openssl/crypto.h>

namespace dragops::dashboard {

KubeCall http_kube_call(std::string server, std::shared_ptr<http::Client> client) {
  return [server = std::move(server), client = std::move(client)](const KubeRequest& request, std::string_view token) {
    http::ClientRequest out;
    out.method = request.method;
    out.url = server + request.path;
    out.headers.push_back({"Accept", "application/json"});
    if (!request.content_type.empty()) out.headers.push_back({"Content-Type", request.content_type});
    std::string authorization = "Bearer " + std::string(token);
    out.headers.push_back({"Authorization", std::move(authorization)});
    out.body = request.body;
    auto answer = client->send(out);
    OPENSSL_cleanse(out.headers.back().value.data(), out.headers.back().value.size());
    if (!answer) return KubeAnswer{0, "the Kubernetes API server cannot be reached: " + answer.error().message};
    return KubeAnswer{answer->status, std::move(answer->body)};
  };
}

}  // namespace dragops::dashboard
