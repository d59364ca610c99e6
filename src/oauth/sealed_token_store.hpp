#pragma once
// TokenStore over a Connection's real store object: the core Secret dragops-conn-<name>
// (src/store), read with a GET (authoritative, not a watch cache), opened with the namespace's
// data key ring, and written back re-sealed under the ring's primary with a resourceVersion
// precondition (PUT; 409 -> conflict). Items that are not tokens (pack fields) are kept.

#include "crypto/keyring.hpp"
#include "kube/api.hpp"
#include "oauth/token_store.hpp"
#include "store/store_object.hpp"

#include <functional>
#include <memory>

namespace dragops::oauth {

// The current data key ring (the sidecar re-reads its mounted file; the operator its Secret).
using KeyringSource = std::function<std::shared_ptr<const crypto::Keyring>()>;

class SealedTokenStore final : public TokenStore {
 public:
  // owner: the Connection (namespace, name, UID); a store object of another UID (the
  // Connection was deleted and re-created) reads as not_found.
  SealedTokenStore(kube::Api& api, store::Owner owner, KeyringSource keyring);

  boost::system::result<StoredTokens, StoreError> read() override;
  boost::system::result<std::string, StoreError> write(const TokenSet& tokens,
                                                       std::string_view expected_resource_version) override;

 private:
  struct Loaded {
    store::Store store;
    store::Plaintexts items;
    std::string resource_version;
    std::shared_ptr<const crypto::Keyring> keyring;
  };
  boost::system::result<Loaded, StoreError> load();

  kube::Api& api_;
  store::Owner owner_;
  KeyringSource keyring_;
};

}  // namespace dragops::oauth
