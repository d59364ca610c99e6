#pragma once
// The OAuth `state` parameter: signed, bound to one Connection (namespace, name, UID), with a
// random nonce and an expiry, accepted once.
//
//   state = "v1." base64url(payload) "." base64url(HMAC-SHA256(key, "dragops-oauth-state.v1." base64url(payload)))
//   payload = {"ns":..., "name":..., "uid":..., "nonce":<base64url of 32 random bytes>, "exp":<unix seconds>}
//
// The payload is readable by anyone (it travels through the browser); it holds no secret. The
// key is the caller's (at least 32 bytes; the operator keeps it with its other key material).
// Accepting a state is three steps in this order, each with its own error:
//   verify()        -> malformed | bad_signature | expired   (needs only the key and the time)
//   check_bound()   -> wrong_uid   (the caller looked up the Connection named in the claims)
//   consume()       -> replayed    (the nonce goes into a ReplayCache; only after the above pass)
// accept_state() runs all three.

#include "crypto/secret_bytes.hpp"
#include "oauth/replay_cache.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dragops::oauth {

using SystemTime = std::chrono::system_clock::time_point;

inline constexpr std::size_t kStateKeyMinSize = 32;
inline constexpr std::chrono::seconds kDefaultStateLifetime{600};

enum class StateError { malformed, bad_signature, expired, wrong_uid, replayed, unknown_connection };

std::string_view to_string(StateError error);

// Lets result<T, StateError>::value() throw (tests and startup code only).
[[noreturn]] void throw_exception_from_error(const StateError& error, const boost::source_location& loc);

struct StateClaims {
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string nonce;
  SystemTime expires_at;

  friend bool operator==(const StateClaims&, const StateClaims&) = default;
};

struct IssuedState {
  std::string token;   // the value of the `state` parameter
  StateClaims claims;  // claims.nonce also seeds derive_pkce()
};

class StateCodec {
 public:
  // Throws std::invalid_argument if the key is shorter than kStateKeyMinSize (startup only).
  explicit StateCodec(crypto::SecretBytes key, std::chrono::seconds lifetime = kDefaultStateLifetime);

  IssuedState issue(std::string_view ns, std::string_view name, std::string_view uid, SystemTime now) const;
  // Signs claims as given (tests use it to make expired or foreign states).
  std::string sign(const StateClaims& claims) const;
  boost::system::result<StateClaims, StateError> verify(std::string_view token, SystemTime now) const;

  const crypto::SecretBytes& key() const { return key_; }
  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  crypto::SecretBytes key_;
  std::chrono::seconds lifetime_;
};

boost::system::result<void, StateError> check_bound(const StateClaims& claims, std::string_view current_uid);
boost::system::result<void, StateError> consume(const StateClaims& claims, ReplayCache& cache, SystemTime now);

// Looks up the UID of the Connection ns/name now; nullopt if it does not exist.
using UidLookup = std::function<std::optional<std::string>(std::string_view ns, std::string_view name)>;

boost::system::result<StateClaims, StateError> accept_state(const StateCodec& codec, std::string_view token,
                                                            SystemTime now, const UidLookup& uid_of,
                                                            ReplayCache& cache);

}  // namespace dragops::oauth
