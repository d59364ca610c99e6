#pragma once
// Where a Connection's token set lives, with optimistic concurrency: every read returns the
// store object's resourceVersion and every write names the one it expects. The real store seals
// the tokens into the Connection's store Secret (src/store); this interface keeps the refresh
// logic independent of the sealing format. read() must be authoritative (a GET, not a watch
// cache): the coordinator relies on it after taking the Lease.

#include "oauth/token_set.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace dragops::oauth {

enum class StoreError { not_found, conflict, unavailable };

std::string_view to_string(StoreError error);

// Lets result<T, StoreError>::value() throw (tests and startup code only).
[[noreturn]] void throw_exception_from_error(const StoreError& error, const boost::source_location& loc);

struct StoredTokens {
  TokenSet tokens;
  std::string resource_version;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  virtual boost::system::result<StoredTokens, StoreError> read() = 0;
  // Replaces the token set iff the object is still at expected_resource_version; returns the
  // new resourceVersion. conflict when someone else wrote in between.
  virtual boost::system::result<std::string, StoreError> write(const TokenSet& tokens,
                                                               std::string_view expected_resource_version) = 0;
};

// For tests and single-process use: the same semantics in memory.
class InMemoryTokenStore final : public TokenStore {
 public:
  InMemoryTokenStore() = default;
  explicit InMemoryTokenStore(TokenSet initial);

  boost::system::result<StoredTokens, StoreError> read() override;
  boost::system::result<std::string, StoreError> write(const TokenSet& tokens,
                                                       std::string_view expected_resource_version) override;

  // Bumps the resourceVersion without touching the tokens (an unrelated update of the object).
  void touch();
  void set_unavailable(bool unavailable);
  std::uint64_t writes() const;

 private:
  mutable std::mutex mutex_;
  bool present_ = false;
  bool unavailable_ = false;
  TokenSet tokens_;
  std::uint64_t version_ = 1;
  std::uint64_t writes_ = 0;
};

}  // namespace dragops::oauth
