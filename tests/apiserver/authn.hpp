#pragma once
// Authentication: who a bearer token is. The server's own token (DIR/token) is the admin
// (system:masters); ServiceAccount tokens come from TokenRequest and are self-verifying: an
// HMAC-SHA256 over their claims with a key kept in DIR/sa.key, so they survive a restart with
// --state. A token stops working when it expires or when its ServiceAccount is deleted or
// recreated (the claims carry the account's uid).

#include "apiserver/api_error.hpp"
#include "apiserver/store.hpp"
#include "apiserver/user_info.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dragops::apiserver {

struct ServiceAccountClaims {
  std::string ns;
  std::string name;
  std::string uid;
  std::int64_t expires = 0;  // seconds since the epoch
};

// Issues and checks the signature of ServiceAccount tokens. Opaque to clients.
class TokenSigner {
 public:
  explicit TokenSigner(std::string key) : key_(std::move(key)) {}

  std::string issue(const ServiceAccountClaims& claims) const;
  // The claims when the signature is ours; says nothing about expiry or the account.
  std::optional<ServiceAccountClaims> verify(const std::string& token) const;

 private:
  std::string key_;
};

// DIR/sa.key: 32 random bytes (hex), created on first start. Startup code: throws.
std::string ensure_signing_key(const std::filesystem::path& dir);
std::string random_key();

std::string service_account_username(const std::string& ns, const std::string& name);
// {namespace, name} of `system:serviceaccount:<ns>:<name>`.
std::optional<std::pair<std::string, std::string>> service_account_of(const std::string& username);
std::vector<std::string> service_account_groups(const std::string& ns);

class Authenticator {
 public:
  Authenticator(const Store& store, std::string admin_token, std::string signing_key, Clock clock);

  // The user behind `Authorization: Bearer <token>`, or 401 Unauthorized.
  Result<UserInfo> authenticate(const std::string& authorization_header) const;
  // A token for the ServiceAccount object, valid for `seconds`, and its expiry.
  std::pair<std::string, std::chrono::system_clock::time_point> issue(const boost::json::object& service_account,
                                                                      std::int64_t seconds) const;

 private:
  const Store& store_;
  std::string admin_token_;
  TokenSigner signer_;
  Clock clock_;
};

}  // namespace dragops::apiserver
