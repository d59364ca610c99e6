#pragma once
// Read access to the informer caches, by what the reconcilers need. The binary backs it with
// kube informers; tests back it with a map.

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
};

}  // namespace dragops::op
