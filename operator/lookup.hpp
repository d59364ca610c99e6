#pragma once
// Read access to the informer caches, by what the reconcilers need. The binary backs it with
// kube informers; tests back it with a map.

#include "kube/api.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <string_view>

namespace dragops::op {

enum class Source { connection, dragops_secret, pack, core_secret, store };

using ObjectPtr = std::shared_ptr<const boost::json::object>;

class Lookup {
 public:
  virtual ~Lookup() = default;
  // ns is "" for IntegrationPacks. nullptr: not in the cache.
  virtual ObjectPtr find(Source source, std::string_view ns, std::string_view name) const = 0;
  // Like find, but may read through to the API server (core Secrets and stores are not cached).
  // nullptr: it does not exist; an error: it could not be read (the pass is retried).
  virtual kube::Result<ObjectPtr> fetch(Source source, std::string_view ns, std::string_view name) const {
    return find(source, ns, name);
  }
  // false: a synced watch has not seen it, so reading it through would most likely answer 404
  // and a create may go ahead (a create that finds it after all calls unsure(), which makes the
  // next may_exist true). Only for decisions that a lagging watch cannot make unsafe.
  virtual bool may_exist(Source /*source*/, std::string_view /*ns*/, std::string_view /*name*/) const { return true; }
  virtual void unsure(Source /*source*/, std::string_view /*ns*/, std::string_view /*name*/) const {}
};

}  // namespace dragops::op
