#pragma once
// The OAuth endpoints of a pack receive client secrets, authorization codes and refresh tokens,
// so they must be https (issue 12, finding 6). http:// is accepted only for a loopback host and
// only when the operator runs with --allow-insecure-loopback-endpoints (the tests' providers).
// And the tokens are bound to the origin of the token endpoint that issued them: a pack whose
// tokenURL moves to another origin is not used for them (origin_of, operator/decide.cpp).

#include "packs/pack.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace dragops::packs {

struct EndpointPolicy {
  bool allow_insecure_loopback = false;   // --allow-insecure-loopback-endpoints
};

// Why url may not receive credentials ("must use https", ...), or nullopt.
std::optional<std::string> endpoint_problem(std::string_view url, const EndpointPolicy& policy);

// The first endpoint of the pack that may not be used, as "spec.oauth.tokenURL: must use https
// ...", or nullopt (also for packs without oauth).
std::optional<std::string> endpoints_problem(const Pack& pack, const EndpointPolicy& policy);

// scheme://host[:port] in lower case, the scheme's default port left out; "" when url is not
// an absolute http(s) URL with a host.
std::string origin_of(std::string_view url);

}  // namespace dragops::packs
