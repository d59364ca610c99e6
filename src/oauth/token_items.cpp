#include "oauth/token_items.hpp"

#include "oauth/time_format.hpp"

namespace dragops::oauth {

namespace {

void put(TokenItems& items, std::string_view item, std::string_view value) {
  items.insert_or_assign(std::string(item), crypto::SecretBytes::from_string(value));
}

std::string text_of(const TokenItems& items, std::string_view item) {
  const auto it = items.find(item);
  return it == items.end() ? std::string() : std::string(it->second.view());
}

}  // namespace

void put_token_items(const TokenSet& tokens, TokenItems& items) {
  items.insert_or_assign(std::string(kAccessTokenItem), tokens.access_token);
  if (tokens.refresh_token.empty()) {
    items.erase(std::string(kRefreshTokenItem));
  } else {
    items.insert_or_assign(std::string(kRefreshTokenItem), tokens.refresh_token);
  }
  put(items, kTokenTypeItem, tokens.token_type);
  put(items, kScopeItem, tokens.scope);
  if (tokens.obtained_at) {
    put(items, kObtainedAtItem, format_rfc3339(*tokens.obtained_at));
  } else {
    items.erase(std::string(kObtainedAtItem));
  }
}

std::optional<TokenSet> token_set_from_items(const TokenItems& items, std::string_view expires_at) {
  TokenSet tokens;
  if (const auto it = items.find(kAccessTokenItem); it != items.end()) tokens.access_token = it->second;
  if (const auto it = items.find(kRefreshTokenItem); it != items.end()) tokens.refresh_token = it->second;
  if (tokens.access_token.empty() && tokens.refresh_token.empty()) return std::nullopt;
  if (auto type = text_of(items, kTokenTypeItem); !type.empty()) tokens.token_type = std::move(type);
  tokens.scope = text_of(items, kScopeItem);
  if (const auto obtained = text_of(items, kObtainedAtItem); !obtained.empty()) {
    const auto parsed = parse_rfc3339(obtained);
    if (!parsed) return std::nullopt;
    tokens.obtained_at = *parsed;
  }
  if (!expires_at.empty()) {
    const auto parsed = parse_rfc3339(expires_at);
    if (!parsed) return std::nullopt;
    tokens.expires_at = *parsed;
  }
  return tokens;
}

std::string expires_at_annotation(const TokenSet& tokens) {
  return tokens.expires_at ? format_rfc3339(*tokens.expires_at) : std::string();
}

}  // namespace dragops::oauth
