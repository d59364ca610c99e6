#include "apiserver/match_condition.hpp"

#include <string>

namespace dragops::apiserver {

namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// 'text' or "text" (no escapes); nullopt otherwise.
std::optional<std::string> string_literal(std::string_view s) {
  s = trim(s);
  if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front()) return std::nullopt;
  std::string_view inner = s.substr(1, s.size() - 2);
  if (inner.find(s.front()) != std::string_view::npos || inner.find('\\') != std::string_view::npos) return std::nullopt;
  return std::string(inner);
}

// "object.metadata.annotations" or ".labels": the map (nullptr when absent); nullopt: another path.
std::optional<const json::object*> metadata_map(std::string_view path, const json::object& object) {
  path = trim(path);
  std::string_view field;
  if (path == "object.metadata.annotations") field = "annotations";
  else if (path == "object.metadata.labels") field = "labels";
  else return std::nullopt;
  const auto* metadata = object.if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object()) return static_cast<const json::object*>(nullptr);
  const auto* map = metadata->get_object().if_contains(field);
  return map != nullptr && map->is_object() ? &map->get_object() : nullptr;
}

std::optional<bool> term(std::string_view t, const json::object& object) {
  t = trim(t);
  if (t.starts_with("has(") && t.ends_with(")")) {
    auto map = metadata_map(t.substr(4, t.size() - 5), object);
    if (!map) return std::nullopt;
    return *map != nullptr;
  }
  if (auto in = t.find(" in "); in != std::string_view::npos) {
    auto key = string_literal(t.substr(0, in));
    auto map = metadata_map(t.substr(in + 4), object);
    if (!key || !map) return std::nullopt;
    if (*map == nullptr) return std::nullopt;   // CEL: no such key (an evaluation error)
    return (*map)->contains(*key);
  }
  for (std::string_view op : {"==", "!="}) {
    auto at = t.find(op);
    if (at == std::string_view::npos) continue;
    std::string_view lhs = trim(t.substr(0, at));
    auto value = string_literal(t.substr(at + 2));
    auto open = lhs.find('[');
    if (!value || open == std::string_view::npos || !lhs.ends_with("]")) return std::nullopt;
    auto map = metadata_map(lhs.substr(0, open), object);
    auto key = string_literal(lhs.substr(open + 1, lhs.size() - open - 2));
    if (!map || !key || *map == nullptr) return std::nullopt;
    const auto* found = (*map)->if_contains(*key);
    if (found == nullptr || !found->is_string()) return std::nullopt;   // CEL: no such key
    return (found->get_string() == *value) == (op == "==");
  }
  return std::nullopt;
}

}  // namespace

std::optional<bool> evaluate_match_condition(std::string_view expression, const json::object& object) {
  // CEL's && short-circuits (and absorbs an error on its right when the left is false), which is
  // what makes has(...) && ... safe on a pod without annotations.
  while (true) {
    auto split = expression.find("&&");
    auto value = term(expression.substr(0, split), object);
    if (!value) return std::nullopt;
    if (!*value) return false;
    if (split == std::string_view::npos) return true;
    expression.remove_prefix(split + 2);
  }
}

}  // namespace dragops::apiserver
