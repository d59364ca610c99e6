#pragma once
// How a TokenSet lives in a Connection's store object (src/store): one sealed item per value,
// data `field.<item>`, plus the expiry as the dragops.io/expires-at annotation (RFC 3339) so
// `kubectl get` and status can show it without opening anything.
//
//   field.access_token   the access token
//   field.refresh_token  the refresh token (absent when the provider issued none)
//   field.token_type     e.g. "Bearer"
//   field.scope          granted scopes, space-separated ("" if the provider did not say)
//   field.obtained_at    RFC 3339, when the access token was issued (for the refresh skew);
//                        absent when unknown (bootstrapped tokens): refresh_policy treats the
//                        lifetime as unknown and the tokens as due at once
//
// Items other than these (pack fields of the Connection) are left untouched by the refresher.

#include "crypto/secret_bytes.hpp"
#include "oauth/token_set.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dragops::oauth {

inline constexpr std::string_view kAccessTokenItem = "access_token";
inline constexpr std::string_view kRefreshTokenItem = "refresh_token";
inline constexpr std::string_view kTokenTypeItem = "token_type";
inline constexpr std::string_view kScopeItem = "scope";
inline constexpr std::string_view kObtainedAtItem = "obtained_at";

using TokenItems = std::map<std::string, crypto::SecretBytes, std::less<>>;

// Writes the token items into items (replacing them; refresh_token removed when empty).
void put_token_items(const TokenSet& tokens, TokenItems& items);
// Reads them back; expires_at comes from the annotation ("" : none). nullopt when neither an
// access token nor a refresh token is there, or a time does not parse.
std::optional<TokenSet> token_set_from_items(const TokenItems& items, std::string_view expires_at);
// The dragops.io/expires-at annotation value ("" when the token does not expire).
std::string expires_at_annotation(const TokenSet& tokens);

}  // namespace dragops::oauth
