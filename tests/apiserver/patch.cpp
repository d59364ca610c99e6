#include "apiserver/patch.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace dragops::apiserver {

namespace {

// kube-apiserver answers every JSON patch that does not apply with this generic 422 and drops the
// library's reason (errors.NewGenericServerResponse); `why` says it here, for the reader only.
ApiError patch_failed(std::string_view /*why*/) {
  return {422, "Invalid", "the server rejected our request due to an error in our request"};
}

// ---- JSON pointer ----

Result<std::vector<std::string>> parse_pointer(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') return errors::bad_request("invalid JSON pointer \"" + pointer + "\"");
  std::string current;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(current);
      current.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      current += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      current += pointer[i];
    }
  }
  return tokens;
}

Result<std::size_t> array_index(const std::string& token, std::size_t size, bool allow_end) {
  if (token == "-" && allow_end) return size;
  if (token.empty() || !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (token.size() > 1 && token[0] == '0'))
    return patch_failed("invalid array index \"" + token + "\"");
  std::size_t idx = std::stoul(token);
  if (idx > size || (!allow_end && idx == size)) return patch_failed("array index " + token + " out of bounds");
  return idx;
}

// Walks to the parent of the last token.
Result<json::value*> resolve_parent(json::value& root, const std::vector<std::string>& tokens, const std::string& path) {
  json::value* current = &root;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (current->is_object()) {
      auto* next = current->get_object().if_contains(tokens[i]);
      if (next == nullptr) return patch_failed("doc is missing path: \"" + path + "\": missing value");
      current = next;
    } else if (current->is_array()) {
      auto idx = array_index(tokens[i], current->get_array().size(), false);
      if (!idx) return patch_failed("doc is missing path: \"" + path + "\": missing value");
      current = &current->get_array()[*idx];
    } else {
      return patch_failed("doc is missing path: \"" + path + "\": missing value");
    }
  }
  return current;
}

Result<json::value> get_at(json::value& root, const std::string& path) {
  auto tokens = parse_pointer(path);
  if (!tokens) return tokens.error();
  if (tokens->empty()) return root;
  auto parent = resolve_parent(root, *tokens, path);
  if (!parent) return parent.error();
  json::value& p = **parent;
  if (p.is_object()) {
    auto* v = p.get_object().if_contains(tokens->back());
    if (v == nullptr) return patch_failed("doc is missing path: \"" + path + "\": missing value");
    return *v;
  }
  if (p.is_array()) {
    auto idx = array_index(tokens->back(), p.get_array().size(), false);
    if (!idx) return idx.error();
    return p.get_array()[*idx];
  }
  return patch_failed("doc is missing path: \"" + path + "\": missing value");
}

Result<json::value> remove_at(json::value& root, const std::string& path) {
  auto tokens = parse_pointer(path);
  if (!tokens) return tokens.error();
  if (tokens->empty()) return patch_failed("unable to remove the whole document");
  auto parent = resolve_parent(root, *tokens, path);
  if (!parent) return parent.error();
  json::value& p = **parent;
  if (p.is_object()) {
    auto it = p.get_object().find(tokens->back());
    if (it == p.get_object().end())
      return patch_failed("unable to remove nonexistent key: " + tokens->back() + ": missing value");
    json::value old = it->value();
    p.get_object().erase(it);
    return old;
  }
  if (p.is_array()) {
    auto idx = array_index(tokens->back(), p.get_array().size(), false);
    if (!idx) return idx.error();
    json::value old = p.get_array()[*idx];
    p.get_array().erase(p.get_array().begin() + static_cast<std::ptrdiff_t>(*idx));
    return old;
  }
  return patch_failed("doc is missing path: \"" + path + "\": missing value");
}

Result<void> add_at(json::value& root, const std::string& path, json::value value, bool replace) {
  auto tokens = parse_pointer(path);
  if (!tokens) return tokens.error();
  if (tokens->empty()) {
    root = std::move(value);
    return {};
  }
  auto parent = resolve_parent(root, *tokens, path);
  if (!parent) return parent.error();
  json::value& p = **parent;
  if (p.is_object()) {
    if (replace && !p.get_object().contains(tokens->back()))
      return patch_failed("replace operation does not apply: doc is missing key: " + path + ": missing value");
    p.get_object()[tokens->back()] = std::move(value);
    return {};
  }
  if (p.is_array()) {
    auto& arr = p.get_array();
    auto idx = array_index(tokens->back(), arr.size(), !replace);
    if (!idx) return idx.error();
    if (replace) arr[*idx] = std::move(value);
    else arr.insert(arr.begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    return {};
  }
  return patch_failed("doc is missing path: \"" + path + "\": missing value");
}

// ---- strategic merge patch ----

// The patchMergeKey kube declares for a list field of the built-in kinds; "" means the list is
// replaced as a whole (atomic). Field names are unique enough across the kinds we serve.
std::string merge_key_for(const std::string& field, const json::array& sample) {
  static const std::vector<std::pair<std::string, std::string>> kKeys = {
      {"containers", "name"},       {"initContainers", "name"},  {"ephemeralContainers", "name"},
      {"volumes", "name"},          {"env", "name"},             {"imagePullSecrets", "name"},
      {"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"}, {"conditions", "type"},
      {"ownerReferences", "uid"},   {"hostAliases", "ip"},       {"topologySpreadConstraints", "topologyKey"},
      {"secrets", "name"},          {"resourceClaims", "name"},  {"webhooks", "name"}};
  if (field == "ports") {
    for (const auto& item : sample)
      if (item.is_object() && item.get_object().contains("containerPort")) return "containerPort";
    return "port";
  }
  for (const auto& [name, key] : kKeys)
    if (name == field) return key;
  return "";
}

bool merges_primitives(const std::string& field) { return field == "finalizers"; }

Result<json::value> smp_object(const json::object& target, const json::object& patch);

Result<json::array> smp_list(const std::string& field, const json::array& target, const json::array& patch,
                             const json::array* order) {
  std::string key = merge_key_for(field, patch.empty() ? target : patch);
  if (merges_primitives(field)) {
    json::array out = target;
    for (const auto& v : patch)
      if (std::none_of(out.begin(), out.end(), [&](const json::value& x) { return json_equal(x, v); })) out.push_back(v);
    return out;
  }
  if (key.empty()) {
    // Atomic list; a `{$patch: replace}` marker is tolerated.
    json::array out;
    for (const auto& v : patch)
      if (!(v.is_object() && v.get_object().contains("$patch"))) out.push_back(v);
    return out;
  }
  json::array out = target;
  for (const auto& item : patch) {
    if (!item.is_object()) return errors::bad_request("strategic merge patch: list \"" + field + "\" items must be objects");
    const auto& obj = item.get_object();
    if (auto* directive = obj.if_contains("$patch"); directive != nullptr && directive->is_string() &&
                                                    directive->get_string() == "replace") {
      // replace the whole list with the other items
      json::array replaced;
      for (const auto& v : patch)
        if (!(v.is_object() && v.get_object().contains("$patch"))) replaced.push_back(v);
      return replaced;
    }
    const auto* k = obj.if_contains(key);
    if (k == nullptr) return errors::bad_request("map: " + to_json(item) + " does not contain declared merge key: " + key);
    auto it = std::find_if(out.begin(), out.end(), [&](const json::value& x) {
      return x.is_object() && x.get_object().if_contains(key) != nullptr && json_equal(x.get_object().at(key), *k);
    });
    const auto* directive = obj.if_contains("$patch");
    if (directive != nullptr && directive->is_string() && directive->get_string() == "delete") {
      if (it != out.end()) out.erase(it);
      continue;
    }
    if (it == out.end()) {
      auto merged = smp_object(json::object{}, obj);
      if (!merged) return merged.error();
      out.push_back(std::move(*merged));
    } else {
      auto merged = smp_object(it->get_object(), obj);
      if (!merged) return merged.error();
      *it = std::move(*merged);
    }
  }
  if (order != nullptr) {
    auto position = [&](const json::value& x) -> std::size_t {
      for (std::size_t i = 0; i < order->size(); ++i) {
        const auto& o = (*order)[i];
        if (o.is_object() && x.is_object() && o.get_object().if_contains(key) && x.get_object().if_contains(key) &&
            json_equal(o.get_object().at(key), x.get_object().at(key)))
          return i;
      }
      return order->size();
    };
    std::stable_sort(out.begin(), out.end(),
                     [&](const json::value& a, const json::value& b) { return position(a) < position(b); });
  }
  return out;
}

Result<json::value> smp_object(const json::object& target, const json::object& patch) {
  if (const auto* directive = patch.if_contains("$patch"); directive != nullptr && directive->is_string()) {
    if (directive->get_string() == "delete") return json::value(nullptr);
    if (directive->get_string() == "replace") {
      json::object replaced = patch;
      replaced.erase("$patch");
      return smp_object(json::object{}, replaced);
    }
  }
  json::object out = target;
  for (const auto& kv : patch) {
    std::string key(kv.key());
    if (key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/")) continue;
    if (key.starts_with("$deleteFromPrimitiveList/")) {
      std::string field = key.substr(std::string("$deleteFromPrimitiveList/").size());
      if (auto* list = out.if_contains(field); list != nullptr && list->is_array() && kv.value().is_array()) {
        json::array kept;
        for (const auto& v : list->get_array())
          if (std::none_of(kv.value().get_array().begin(), kv.value().get_array().end(),
                           [&](const json::value& d) { return json_equal(d, v); }))
            kept.push_back(v);
        *list = std::move(kept);
      }
      continue;
    }
    if (kv.value().is_null()) {
      out.erase(key);
      continue;
    }
    auto* existing = out.if_contains(key);
    if (kv.value().is_object()) {
      auto merged = smp_object(existing != nullptr && existing->is_object() ? existing->get_object() : json::object{},
                               kv.value().get_object());
      if (!merged) return merged.error();
      if (merged->is_null()) out.erase(key);
      else out[key] = std::move(*merged);
    } else if (kv.value().is_array()) {
      const json::array* order = nullptr;
      if (const auto* o = patch.if_contains("$setElementOrder/" + key); o != nullptr && o->is_array())
        order = &o->get_array();
      auto merged = smp_list(key, existing != nullptr && existing->is_array() ? existing->get_array() : json::array{},
                             kv.value().get_array(), order);
      if (!merged) return merged.error();
      out[key] = std::move(*merged);
    } else {
      out[key] = kv.value();
    }
  }
  if (const auto* retain = patch.if_contains("$retainKeys"); retain != nullptr && retain->is_array()) {
    json::object kept;
    for (const auto& kv : out)
      if (std::any_of(retain->get_array().begin(), retain->get_array().end(),
                      [&](const json::value& k) { return k.is_string() && k.get_string() == kv.key(); }))
        kept[kv.key()] = kv.value();
    out = std::move(kept);
  }
  // An element order for a list the patch did not touch still reorders it.
  for (const auto& kv : patch) {
    std::string key(kv.key());
    if (!key.starts_with("$setElementOrder/")) continue;
    std::string field = key.substr(std::string("$setElementOrder/").size());
    if (patch.contains(field) || !kv.value().is_array()) continue;
    if (auto* list = out.if_contains(field); list != nullptr && list->is_array()) {
      auto reordered = smp_list(field, list->get_array(), json::array{}, &kv.value().get_array());
      if (!reordered) return reordered.error();
      *list = std::move(*reordered);
    }
  }
  return json::value(std::move(out));
}

}  // namespace

json::value merge_patch(const json::value& target, const json::value& patch) {
  if (!patch.is_object()) return patch;
  json::object out = target.is_object() ? target.get_object() : json::object{};
  for (const auto& kv : patch.get_object()) {
    if (kv.value().is_null()) {
      out.erase(kv.key());
      continue;
    }
    auto* existing = out.if_contains(kv.key());
    out[kv.key()] = merge_patch(existing != nullptr ? *existing : json::value(nullptr), kv.value());
  }
  return out;
}

Result<json::value> json_patch(const json::value& target, const json::value& patch) {
  if (!patch.is_array()) return errors::bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  json::value doc = target;
  for (const auto& op_value : patch.get_array()) {
    if (!op_value.is_object()) return errors::bad_request("json: cannot unmarshal into Go value of type jsonpatch.Operation");
    const auto& op = op_value.get_object();
    std::string name = string_at(op, "op");
    const auto* path_value = op.if_contains("path");
    if (path_value == nullptr || !path_value->is_string())
      return errors::bad_request("the server rejected our request due to an error in our request: missing path");
    std::string path(path_value->get_string());
    const auto* value = op.if_contains("value");
    if (name == "add" || name == "replace") {
      if (value == nullptr) return errors::bad_request("missing value for \"" + name + "\" operation");
      if (auto r = add_at(doc, path, *value, name == "replace"); !r) return r.error();
    } else if (name == "remove") {
      if (auto r = remove_at(doc, path); !r) return r.error();
    } else if (name == "move" || name == "copy") {
      std::string from = string_at(op, "from");
      auto source = name == "move" ? remove_at(doc, from) : get_at(doc, from);
      if (!source) return source.error();
      if (auto r = add_at(doc, path, std::move(*source), false); !r) return r.error();
    } else if (name == "test") {
      if (value == nullptr) return errors::bad_request("missing value for \"test\" operation");
      auto current = get_at(doc, path);
      if (!current || !json_equal(*current, *value))
        return patch_failed("testing value " + path + " failed: test failed");
    } else {
      return errors::bad_request("Unexpected kind: " + name);
    }
  }
  return doc;
}

Result<json::value> strategic_merge_patch(const json::value& target, const json::value& patch) {
  if (!patch.is_object()) return errors::bad_request("strategic merge patch must be a JSON object");
  auto merged = smp_object(target.is_object() ? target.get_object() : json::object{}, patch.get_object());
  if (!merged) return merged.error();
  if (merged->is_null()) return errors::bad_request("strategic merge patch deletes the whole object");
  return merged;
}

}  // namespace dragops::apiserver
