#pragma once
// GET /v1/sealing-key, served beside /metrics (--metrics-addr): the public key to seal to, its
// id, and the ids still accepted, as JSON. A plain function from request to response.

#include "http/server_types.hpp"
#include "operator/sealing/objects.hpp"

#include <functional>
#include <optional>
#include <string_view>

namespace dragops::op::sealing {

inline constexpr std::string_view kSealingKeyPath = "/v1/sealing-key";

using PublishedKeyProvider = std::function<std::optional<PublishedKey>()>;

bool is_sealing_key_request(const http::Request& request);
// 200 with the key; 503 before any key is published; 405 for other methods.
http::Response handle_sealing_key(const PublishedKeyProvider& provider, const http::Request& request);

}  // namespace dragops::op::sealing
