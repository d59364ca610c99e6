#include "apiserver/authn.hpp"

#include "apiserver/json_util.hpp"
#include "apiserver/tls_files.hpp"

#include <boost/json/parse.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fstream>

namespace dragops::apiserver {

namespace {

constexpr std::string_view kTokenPrefix = "dragops-sa.";
constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";
constexpr const char* kHex = "0123456789abcdef";

std::string hex(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string mac(const std::string& key, const std::string& payload) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(payload.data()),
       payload.size(), digest, &size);
  return hex(digest, size);
}

}  // namespace

std::string TokenSigner::issue(const ServiceAccountClaims& claims) const {
  unsigned char nonce[8];
  RAND_bytes(nonce, sizeof nonce);
  std::string payload = to_json(json::object{{"ns", claims.ns},
                                             {"name", claims.name},
                                             {"uid", claims.uid},
                                             {"exp", claims.expires},
                                             {"jti", hex(nonce, sizeof nonce)}});
  std::string encoded = hex(reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  return std::string(kTokenPrefix) + encoded + "." + mac(key_, encoded);
}

std::optional<ServiceAccountClaims> TokenSigner::verify(const std::string& token) const {
  if (!token.starts_with(kTokenPrefix)) return std::nullopt;
  std::string_view rest(token);
  rest.remove_prefix(kTokenPrefix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string encoded(rest.substr(0, dot));
  std::string signature(rest.substr(dot + 1));
  std::string expected = mac(key_, encoded);
  if (signature.size() != expected.size() || CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0)
    return std::nullopt;
  auto payload = unhex(encoded);
  if (!payload) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(*payload, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& o = value.get_object();
  const auto* exp = o.if_contains("exp");
  if (exp == nullptr || !exp->is_int64()) return std::nullopt;
  return ServiceAccountClaims{string_at(o, "ns"), string_at(o, "name"), string_at(o, "uid"), exp->get_int64()};
}

std::string random_key() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no randomness for the token signing key");
  return hex(raw, sizeof raw);
}

std::string ensure_signing_key(const std::filesystem::path& dir) {
  std::string key;
  {
    std::ifstream existing(dir / "sa.key");
    std::getline(existing, key);
  }
  if (key.size() >= 32) return key;
  key = random_key();
  write_file_atomically(dir / "sa.key", key, true);
  return key;
}

std::string service_account_username(const std::string& ns, const std::string& name) {
  return std::string(kServiceAccountPrefix) + ns + ":" + name;
}

std::optional<std::pair<std::string, std::string>> service_account_of(const std::string& username) {
  if (!username.starts_with(kServiceAccountPrefix)) return std::nullopt;
  std::string rest = username.substr(kServiceAccountPrefix.size());
  auto colon = rest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find(':', colon + 1) != std::string::npos)
    return std::nullopt;
  return std::make_pair(rest.substr(0, colon), rest.substr(colon + 1));
}

std::vector<std::string> service_account_groups(const std::string& ns) {
  return {"system:serviceaccounts", "system:serviceaccounts:" + ns};
}

Authenticator::Authenticator(const Store& store, std::string admin_token, std::string signing_key, Clock clock)
    : store_(store), admin_token_(std::move(admin_token)), signer_(std::move(signing_key)), clock_(std::move(clock)) {}

Result<UserInfo> Authenticator::authenticate(const std::string& authorization_header) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization_header.starts_with(kBearer)) return errors::unauthorized();
  std::string token = authorization_header.substr(kBearer.size());
  if (!admin_token_.empty() && token.size() == admin_token_.size() &&
      CRYPTO_memcmp(token.data(), admin_token_.data(), token.size()) == 0)
    return admin_user();
  auto claims = signer_.verify(token);
  if (!claims) return errors::unauthorized();
  auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  if (now >= claims->expires) return errors::unauthorized();
  auto account = store_.find("/serviceaccounts", claims->ns, claims->name);
  if (account == nullptr || string_at(*account, "metadata.uid") != claims->uid ||
      find_path(*account, "metadata.deletionTimestamp") != nullptr)
    return errors::unauthorized();
  UserInfo user{service_account_username(claims->ns, claims->name), claims->uid, service_account_groups(claims->ns), {}};
  user.groups.emplace_back(kAuthenticatedGroup);
  return user;
}

std::pair<std::string, std::chrono::system_clock::time_point> Authenticator::issue(const json::object& service_account,
                                                                                   std::int64_t seconds) const {
  auto expires = std::chrono::time_point_cast<std::chrono::seconds>(clock_()) + std::chrono::seconds(seconds);
  ServiceAccountClaims claims{string_at(service_account, "metadata.namespace"), string_at(service_account, "metadata.name"),
                              string_at(service_account, "metadata.uid"),
                              std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count()};
  return {signer_.issue(claims), expires};
}

}  // namespace dragops::apiserver
