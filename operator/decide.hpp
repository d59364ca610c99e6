#pragma once
// The pure decisions: an observation in, a Decision out. No I/O, no clock, no randomness
// (sealing happens in apply), so every case is unit-tested table by table.

#include "operator/decision.hpp"
#include "operator/observation.hpp"

namespace dragops::op {

Decision decide_connection(const ConnectionObservation& observed);
Decision decide_secret(const SecretObservation& observed);

// oauth2 (issue 12, finding 6): the tokens in opened were issued by the token endpoint sealed
// with them (item oauth_token_url); when the pack's tokenURL names another origin, why they may
// not be used with it (the Connection is authorized again first), else nullopt.
std::optional<std::string> token_endpoint_change(const store::Plaintexts& opened, const packs::Pack& pack);

// IntegrationPack status: Ready=True (Valid) or False (InvalidPack, message = parse error).
struct PackDecision {
  std::optional<Status> status;
  std::vector<EventSpec> events;
};
PackDecision decide_pack(const Status& current, std::int64_t generation, const std::string& parse_problem,
                         const std::string& now);

// How long to wait before retrying a keyring problem (a system problem, not the user's).
inline constexpr std::chrono::seconds kKeyringRetry{5};

}  // namespace dragops::op
