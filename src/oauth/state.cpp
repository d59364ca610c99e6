#include "oauth/state.hpp"

#include "crypto/random.hpp"
#include "oauth/digest.hpp"
#include "oauth/encoding.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <stdexcept>

namespace dragops::oauth {

namespace {

constexpr std::string_view kPrefix = "v1.";
constexpr std::string_view kMacContext = "dragops-oauth-state.v1.";
constexpr std::size_t kMaxStateSize = 4096;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Digest mac_of(const crypto::SecretBytes& key, std::string_view payload_b64) {
  std::string input(kMacContext);
  input.append(payload_b64);
  return hmac_sha256(key.span(), bytes_of(input));
}


std::optional<std::string> get_string(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

}  // namespace

std::string_view to_string(StateError error) {
  switch (error) {
    case StateError::malformed: return "malformed";
    case StateError::bad_signature: return "bad signature";
    case StateError::expired: return "expired";
    case StateError::wrong_uid: return "bound to another object with the same name";
    case StateError::replayed: return "already used";
    case StateError::unknown_connection: return "connection not found";
  }
  return "unknown";
}

StateCodec::StateCodec(crypto::SecretBytes key, std::chrono::seconds lifetime)
    : key_(std::move(key)), lifetime_(lifetime) {
  if (key_.size() < kStateKeyMinSize) throw std::invalid_argument("oauth state key must be at least 32 bytes");
}

std::string StateCodec::sign(const StateClaims& claims) const {
  boost::json::object payload;
  payload["ns"] = claims.namespace_;
  payload["name"] = claims.name;
  payload["uid"] = claims.uid;
  payload["nonce"] = claims.nonce;
  payload["exp"] = std::chrono::duration_cast<std::chrono::seconds>(claims.expires_at.time_since_epoch()).count();
  const std::string json = boost::json::serialize(payload);
  const std::string payload_b64 = base64url_encode(bytes_of(json));
  const Digest mac = mac_of(key_, payload_b64);
  std::string token(kPrefix);
  token += payload_b64;
  token += '.';
  token += base64url_encode(mac);
  return token;
}

IssuedState StateCodec::issue(std::string_view ns, std::string_view name, std::string_view uid,
                              SystemTime now) const {
  std::array<std::uint8_t, 32> nonce{};
  crypto::random_bytes(nonce);
  StateClaims claims{std::string(ns), std::string(name), std::string(uid), base64url_encode(nonce),
                     std::chrono::time_point_cast<std::chrono::seconds>(now + lifetime_)};
  return {sign(claims), std::move(claims)};
}

boost::system::result<StateClaims, StateError> StateCodec::verify(std::string_view token, SystemTime now) const {
  if (token.size() > kMaxStateSize || !token.starts_with(kPrefix)) return StateError::malformed;
  token.remove_prefix(kPrefix.size());
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return StateError::malformed;
  const std::string_view payload_b64 = token.substr(0, dot);
  const auto mac = base64url_decode(token.substr(dot + 1));
  if (!mac) return StateError::malformed;
  if (mac->size() != Digest{}.size()) return StateError::malformed;
  Digest presented{};
  std::copy(mac->begin(), mac->end(), presented.begin());
  if (!digests_equal(presented, mac_of(key_, payload_b64))) return StateError::bad_signature;

  // Signed by us from here on; still parsed defensively.
  const auto json = base64url_decode(payload_b64);
  if (!json) return StateError::malformed;
  boost::system::error_code ec;
  const boost::json::value value =
      boost::json::parse(std::string_view(reinterpret_cast<const char*>(json->data()), json->size()), ec);
  if (ec || !value.is_object()) return StateError::malformed;
  const auto& object = value.get_object();
  auto ns = get_string(object, "ns");
  auto name = get_string(object, "name");
  auto uid = get_string(object, "uid");
  auto nonce = get_string(object, "nonce");
  const auto* exp = object.if_contains("exp");
  if (!ns || !name || !uid || !nonce || nonce->empty() || exp == nullptr || !exp->is_int64()) {
    return StateError::malformed;
  }
  StateClaims claims{std::move(*ns), std::move(*name), std::move(*uid), std::move(*nonce),
                     SystemTime(std::chrono::seconds(exp->get_int64()))};
  if (claims.expires_at <= now) return StateError::expired;
  return claims;
}

boost::system::result<void, StateError> check_bound(const StateClaims& claims, std::string_view current_uid) {
  if (claims.uid.empty() || claims.uid != current_uid) return StateError::wrong_uid;
  return {};
}

boost::system::result<void, StateError> consume(const StateClaims& claims, ReplayCache& cache, SystemTime now) {
  if (!cache.try_consume(claims.nonce, claims.expires_at, now)) return StateError::replayed;
  return {};
}

boost::system::result<StateClaims, StateError> accept_state(const StateCodec& codec, std::string_view token,
                                                            SystemTime now, const UidLookup& uid_of,
                                                            ReplayCache& cache) {
  auto claims = codec.verify(token, now);
  if (!claims) return claims.error();
  const auto uid = uid_of(claims->namespace_, claims->name);
  if (!uid) return StateError::unknown_connection;
  if (auto bound = check_bound(*claims, *uid); !bound) return bound.error();
  if (auto fresh = consume(*claims, cache, now); !fresh) return fresh.error();
  return claims;
}

}  // namespace dragops::oauth
