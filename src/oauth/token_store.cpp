#include "oauth/token_store.hpp"

namespace dragops::oauth {

std::string_view to_string(StoreError error) {
  switch (error) {
    case StoreError::not_found: return "not found";
    case StoreError::conflict: return "conflict";
    case StoreError::unavailable: return "unavailable";
  }
  return "unknown";
}

InMemoryTokenStore::InMemoryTokenStore(TokenSet initial) : present_(true), tokens_(std::move(initial)) {}

boost::system::result<StoredTokens, StoreError> InMemoryTokenStore::read() {
  std::lock_guard lock(mutex_);
  if (unavailable_) return StoreError::unavailable;
  if (!present_) return StoreError::not_found;
  return StoredTokens{tokens_, std::to_string(version_)};
}

boost::system::result<std::string, StoreError> InMemoryTokenStore::write(const TokenSet& tokens,
                                                                         std::string_view expected_resource_version) {
  std::lock_guard lock(mutex_);
  if (unavailable_) return StoreError::unavailable;
  if (present_ && expected_resource_version != std::to_string(version_)) return StoreError::conflict;
  present_ = true;
  tokens_ = tokens;
  ++version_;
  ++writes_;
  return std::to_string(version_);
}

void InMemoryTokenStore::touch() {
  std::lock_guard lock(mutex_);
  ++version_;
}

void InMemoryTokenStore::set_unavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

std::uint64_t InMemoryTokenStore::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

}  // namespace dragops::oauth
