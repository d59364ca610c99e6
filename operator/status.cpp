#include "operator/status.hpp"

#include "store/json_access.hpp"

#include <algorithm>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

const Condition* Status::condition(std::string_view type) const {
  for (const auto& c : conditions)
    if (c.type == type) return &c;
  return nullptr;
}

Status parse_status(const json::object& resource) {
  Status status;
  const auto* object = object_at(resource, "status");
  if (!object) return status;
  if (auto it = object->find("observedGeneration"); it != object->end() && it->value().is_int64())
    status.observed_generation = it->value().get_int64();
  if (auto it = object->find("keyVersion"); it != object->end() && it->value().is_int64())
    status.key_version = it->value().get_int64();
  status.expires_at = string_at(*object, "expiresAt");
  status.authorization_url = string_at(*object, "authorizationURL");
  status.auth_type = string_at(*object, "authType");
  if (auto it = object->find("conditions"); it != object->end() && it->value().is_array()) {
    for (const auto& item : it->value().get_array()) {
      const auto* c = item.if_object();
      if (!c) continue;
      Condition condition{std::string(string_at(*c, "type")),    std::string(string_at(*c, "status")),
                          std::string(string_at(*c, "reason")),  std::string(string_at(*c, "message")),
                          0,                                     std::string(string_at(*c, "lastTransitionTime"))};
      if (auto g = c->find("observedGeneration"); g != c->end() && g->value().is_int64())
        condition.observed_generation = g->value().get_int64();
      if (!condition.type.empty()) status.conditions.push_back(std::move(condition));
    }
  }
  return status;
}

json::object to_json(const Status& status) {
  json::array conditions;
  for (const auto& c : status.conditions)
    conditions.push_back(json::object{{"type", c.type},
                                      {"status", c.status},
                                      {"reason", c.reason},
                                      {"message", c.message},
                                      {"observedGeneration", c.observed_generation},
                                      {"lastTransitionTime", c.last_transition_time}});
  json::object out{{"observedGeneration", status.observed_generation}, {"conditions", std::move(conditions)}};
  if (status.key_version) out["keyVersion"] = *status.key_version;
  if (!status.expires_at.empty()) out["expiresAt"] = status.expires_at;
  if (!status.authorization_url.empty()) out["authorizationURL"] = status.authorization_url;
  if (!status.auth_type.empty()) out["authType"] = status.auth_type;
  return out;
}

void set_condition(std::vector<Condition>& conditions, Condition condition, std::string_view now) {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == condition.type; });
  if (it == conditions.end()) {
    condition.last_transition_time = now;
    conditions.push_back(std::move(condition));
    return;
  }
  condition.last_transition_time = it->status == condition.status ? it->last_transition_time : std::string(now);
  *it = std::move(condition);
}

}  // namespace dragops::op
