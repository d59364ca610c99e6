#pragma once
// Condition types and reasons: the one place they are spelled (docs/resources.md lists them).

#include <string_view>

namespace dragops::op {

namespace condition {
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kSealed = "Sealed";
inline constexpr std::string_view kRefreshed = "Refreshed";
}  // namespace condition

namespace reason {
inline constexpr std::string_view kSealed = "Sealed";
inline constexpr std::string_view kRevoked = "Revoked";
inline constexpr std::string_view kPackNotFound = "PackNotFound";
inline constexpr std::string_view kInvalidCredentials = "InvalidCredentials";
inline constexpr std::string_view kCredentialsNotFound = "CredentialsNotFound";
inline constexpr std::string_view kKeyringUnavailable = "KeyringUnavailable";
inline constexpr std::string_view kAwaitingAuthorization = "AwaitingAuthorization";
inline constexpr std::string_view kNotSealed = "NotSealed";
// Sealed input that does not open: not a sealed value, sealed to a key the cluster does not hold,
// or sealed for another object, field or environment (copied), or altered.
inline constexpr std::string_view kSealedValueInvalid = "SealedValueInvalid";
// oauth2: the person denied consent; the callback failed (state, provider error or timeout).
inline constexpr std::string_view kAuthorizationDenied = "AuthorizationDenied";
inline constexpr std::string_view kAuthorizationFailed = "AuthorizationFailed";
// oauth2: the pack's tokenURL now names another origin than the one the stored tokens were
// issued by; they are not sent there, the Connection must be authorized again.
inline constexpr std::string_view kTokenEndpointChanged = "TokenEndpointChanged";
// IntegrationPack conditions.
inline constexpr std::string_view kValid = "Valid";
inline constexpr std::string_view kInvalidPack = "InvalidPack";
}  // namespace reason

inline constexpr std::string_view kFinalizer = "dragops.io/finalizer";
inline constexpr std::string_view kTokenFieldAnnotation = "dragops.io/token-field";

}  // namespace dragops::op
