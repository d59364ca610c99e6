#pragma once
// Who is asking: kube's user.Info (username, uid, groups, extra), as authentication and
// impersonation establish it, authorization checks it and admission webhooks receive it.

#include <boost/json/object.hpp>

#include <map>
#include <string>
#include <vector>

namespace dragops::apiserver {

struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;

  bool in_group(const std::string& group) const;
  // authentication.k8s.io/v1 UserInfo: {username, uid?, groups, extra?}.
  boost::json::object to_json() const;
};

inline constexpr const char* kMastersGroup = "system:masters";
inline constexpr const char* kAuthenticatedGroup = "system:authenticated";

// The identity of the server's own bearer token (DIR/token), and of requests the server makes
// on its own behalf (garbage collection, namespace cleanup).
UserInfo admin_user();

}  // namespace dragops::apiserver
