#include "oauth/token_set.hpp"

namespace dragops::oauth {

std::optional<std::chrono::seconds> TokenSet::lifetime() const {
  if (!expires_at || !obtained_at) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(*expires_at - *obtained_at);
}

TokenSet merge_refreshed(const TokenSet& previous, TokenSet fresh) {
  if (fresh.refresh_token.empty()) fresh.refresh_token = previous.refresh_token;
  if (fresh.scope.empty()) fresh.scope = previous.scope;
  return fresh;
}

bool same_tokens(const TokenSet& a, const TokenSet& b) {
  return a.expires_at == b.expires_at && a.access_token.equals(b.access_token) &&
         a.refresh_token.equals(b.refresh_token);
}

}  // namespace dragops::oauth
