#include "apiserver/user_info.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace dragops::apiserver {

bool UserInfo::in_group(const std::string& group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

boost::json::object UserInfo::to_json() const {
  boost::json::object out{{"username", username}};
  if (!uid.empty()) out["uid"] = uid;
  boost::json::array group_list;
  for (const auto& g : groups) group_list.emplace_back(g);
  out["groups"] = std::move(group_list);
  if (!extra.empty()) {
    boost::json::object values;
    for (const auto& [key, list] : extra) {
      boost::json::array items;
      for (const auto& v : list) items.emplace_back(v);
      values[key] = std::move(items);
    }
    out["extra"] = std::move(values);
  }
  return out;
}

UserInfo admin_user() { return {"admin", "", {kMastersGroup, kAuthenticatedGroup}, {}}; }

}  // namespace dragops::apiserver
