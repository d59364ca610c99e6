#include "apiserver/schema.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <regex>
#include <unordered_map>

namespace dragops::apiserver::schema {

namespace {

bool flag(const json::object& schema, std::string_view key) {
  const auto* v = schema.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

const json::object* sub(const json::object& schema, std::string_view key) {
  const auto* v = schema.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string type_name_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "unknown";
}

bool is_integer(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::floor(v.get_double()) == v.get_double() && std::isfinite(v.get_double());
}

std::string number_repr(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  auto s = std::to_string(d);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// A CRD's `pattern`, compiled once: std::regex construction costs far more than a match, and the
// same few patterns are checked on every write. nullptr: not a usable ECMAScript pattern.
std::shared_ptr<const std::regex> compiled_pattern(const std::string& pattern) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const std::regex>> compiled;
  std::lock_guard lock(mutex);
  if (auto it = compiled.find(pattern); it != compiled.end()) return it->second;
  std::shared_ptr<const std::regex> re;
  try {
    re = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
  }
  if (compiled.size() >= 4096) compiled.clear();   // bounded: patterns come from CRDs
  compiled.emplace(pattern, re);
  return re;
}

bool matches_format(const std::string& format, const std::string& s) {
  static const std::regex kEmail(R"(^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$)");
  static const std::regex kUri(R"(^([a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*|/[^\s]*)$)");
  static const std::regex kDate(R"(^\d{4}-\d{2}-\d{2}$)");
  static const std::regex kHostname(R"(^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$)");
  static const std::regex kIpv4(R"(^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$)");
  static const std::regex kIpv6(R"(^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$)");
  static const std::regex kUuid(R"(^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$)");
  static const std::regex kCidr(R"(^[0-9a-fA-F:.]+/\d{1,3}$)");
  static const std::regex kMac(R"(^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$)");
  static const std::regex kDuration(R"(^[-+]?(\d+(\.\d*)?(ns|us|µs|ms|s|m|h|d|w))+$)");
  if (format == "email") return std::regex_match(s, kEmail);
  if (format == "uri") return std::regex_match(s, kUri);
  if (format == "date-time" || format == "datetime") return parse_rfc3339(s).has_value();
  if (format == "date") return std::regex_match(s, kDate);
  if (format == "hostname") return s.size() <= 255 && std::regex_match(s, kHostname);
  if (format == "ipv4") return std::regex_match(s, kIpv4);
  if (format == "ipv6") return std::regex_match(s, kIpv6);
  if (format == "uuid") return std::regex_match(s, kUuid);
  if (format == "byte") return base64_decode(s).has_value();
  if (format == "cidr") return std::regex_match(s, kCidr);
  if (format == "mac") return std::regex_match(s, kMac);
  if (format == "duration") return std::regex_match(s, kDuration);
  return true;  // formats kube does not check (int32, int64, password, ...)
}

Cause invalid_in_body(const std::string& path, const json::value& v, const std::string& rule) {
  return errors::invalid_value(path, value_repr(v), path + " in body " + rule);
}

bool type_ok(const std::string& type, const json::value& v, const json::object& schema) {
  if (flag(schema, "x-kubernetes-int-or-string")) return is_integer(v) || v.is_string();
  if (type.empty()) return true;
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return is_integer(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  return true;
}

void validate_into(const json::value& v, const json::object& schema, const std::string& path, std::vector<Cause>& out);

void validate_combinators(const json::value& v, const json::object& schema, const std::string& path,
                          std::vector<Cause>& out) {
  if (const auto* all = schema.if_contains("allOf"); all != nullptr && all->is_array())
    for (const auto& s : all->get_array())
      if (s.is_object()) validate_into(v, s.get_object(), path, out);
  auto count_valid = [&](const json::array& list) {
    int n = 0;
    for (const auto& s : list) {
      std::vector<Cause> scratch;
      if (s.is_object()) validate_into(v, s.get_object(), path, scratch);
      if (scratch.empty()) ++n;
    }
    return n;
  };
  if (const auto* any = schema.if_contains("anyOf"); any != nullptr && any->is_array())
    if (count_valid(any->get_array()) == 0)
      out.push_back(invalid_in_body(path.empty() ? "<root>" : path, v, "must validate at least one schema (anyOf)"));
  if (const auto* one = schema.if_contains("oneOf"); one != nullptr && one->is_array())
    if (count_valid(one->get_array()) != 1)
      out.push_back(invalid_in_body(path.empty() ? "<root>" : path, v, "must validate one and only one schema (oneOf)"));
  if (const auto* negated = sub(schema, "not")) {
    std::vector<Cause> scratch;
    validate_into(v, *negated, path, scratch);
    if (scratch.empty())
      out.push_back(invalid_in_body(path.empty() ? "<root>" : path, v, "must not validate the schema (not)"));
  }
}

void validate_into(const json::value& v, const json::object& schema, const std::string& path, std::vector<Cause>& out) {
  std::string type = schema.if_contains("type") && schema.at("type").is_string()
                         ? std::string(schema.at("type").get_string())
                         : std::string();
  if (v.is_null()) {
    if (!flag(schema, "nullable") && !type.empty())
      out.push_back(errors::invalid_type(path, "\"null\"", path + " in body must be of type " + type + ": \"null\""));
    return;
  }
  if (!type_ok(type, v, schema)) {
    out.push_back(errors::invalid_type(path, "\"" + type_name_of(v) + "\"",
                                       path + " in body must be of type " + type + ": \"" + type_name_of(v) + "\""));
    return;
  }
  if (const auto* e = schema.if_contains("enum"); e != nullptr && e->is_array()) {
    bool found = false;
    std::vector<std::string> supported;
    for (const auto& option : e->get_array()) {
      supported.push_back(to_json(option));
      if (json_equal(option, v)) found = true;
    }
    if (!found) out.push_back(errors::unsupported_value(path, value_repr(v), supported));
  }
  if (v.is_string()) {
    const std::string s(v.get_string());
    if (const auto* p = schema.if_contains("pattern"); p != nullptr && p->is_string()) {
      // An unusable pattern was refused when the CRD was created; nothing to check here.
      if (const auto re = compiled_pattern(std::string(p->get_string())); re && !std::regex_search(s, *re))
        out.push_back(invalid_in_body(path, v, "should match '" + std::string(p->get_string()) + "'"));
    }
    if (const auto* f = schema.if_contains("format"); f != nullptr && f->is_string()) {
      std::string format(f->get_string());
      if (!matches_format(format, s))
        out.push_back(errors::invalid_type(path, value_repr(v), path + " in body must be of type " + format + ": " + value_repr(v)));
    }
    if (const auto* m = schema.if_contains("maxLength"); m != nullptr && m->is_number())
      if (utf8_length(s) > count_of(*m))
        out.push_back(errors::too_long(path, "may not be more than " + std::to_string(count_of(*m)) + " bytes"));
    if (const auto* m = schema.if_contains("minLength"); m != nullptr && m->is_number())
      if (utf8_length(s) < count_of(*m))
        out.push_back(invalid_in_body(path, v, "should be at least " + std::to_string(count_of(*m)) + " chars long"));
  }
  if (v.is_number()) {
    double d = v.to_number<double>();
    if (const auto* m = schema.if_contains("minimum"); m != nullptr && m->is_number()) {
      double min = m->to_number<double>();
      bool exclusive = flag(schema, "exclusiveMinimum");
      if (exclusive ? d <= min : d < min)
        out.push_back(invalid_in_body(path, v, std::string("should be greater than ") + (exclusive ? "" : "or equal to ") + number_repr(min)));
    }
    if (const auto* m = schema.if_contains("maximum"); m != nullptr && m->is_number()) {
      double max = m->to_number<double>();
      bool exclusive = flag(schema, "exclusiveMaximum");
      if (exclusive ? d >= max : d > max)
        out.push_back(invalid_in_body(path, v, std::string("should be less than ") + (exclusive ? "" : "or equal to ") + number_repr(max)));
    }
    if (const auto* m = schema.if_contains("multipleOf"); m != nullptr && m->is_number() && m->to_number<double>() > 0) {
      double q = d / m->to_number<double>();
      if (std::fabs(q - std::round(q)) > 1e-9)
        out.push_back(invalid_in_body(path, v, "should be a multiple of " + number_repr(m->to_number<double>())));
    }
  }
  if (v.is_array()) {
    const auto& arr = v.get_array();
    if (const auto* m = schema.if_contains("maxItems"); m != nullptr && m->is_number() && arr.size() > count_of(*m))
      out.push_back({"FieldValueTooMany", "Too many: " + std::to_string(arr.size()) + ": must have at most " +
                                              std::to_string(count_of(*m)) + " items", path});
    if (const auto* m = schema.if_contains("minItems"); m != nullptr && m->is_number() && arr.size() < count_of(*m))
      out.push_back(invalid_in_body(path, json::value(static_cast<std::int64_t>(arr.size())),
                                    "should have at least " + std::to_string(count_of(*m)) + " items"));
    std::string list_type = schema.if_contains("x-kubernetes-list-type") && schema.at("x-kubernetes-list-type").is_string()
                                ? std::string(schema.at("x-kubernetes-list-type").get_string())
                                : std::string();
    if (flag(schema, "uniqueItems") || list_type == "set") {
      for (std::size_t i = 0; i < arr.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (json_equal(arr[i], arr[j])) {
            out.push_back(errors::duplicate(path + "[" + std::to_string(i) + "]", value_repr(arr[i])));
            break;
          }
    }
    if (const auto* items = sub(schema, "items"))
      for (std::size_t i = 0; i < arr.size(); ++i) validate_into(arr[i], *items, path + "[" + std::to_string(i) + "]", out);
  }
  if (v.is_object()) {
    const auto& obj = v.get_object();
    if (const auto* req = schema.if_contains("required"); req != nullptr && req->is_array())
      for (const auto& r : req->get_array())
        if (r.is_string() && !obj.contains(r.get_string())) out.push_back(errors::required(join(path, r.get_string())));
    if (const auto* m = schema.if_contains("maxProperties"); m != nullptr && m->is_number() && obj.size() > count_of(*m))
      out.push_back({"FieldValueTooMany", "Too many: " + std::to_string(obj.size()) + ": must have at most " +
                                              std::to_string(count_of(*m)) + " items", path});
    if (const auto* m = schema.if_contains("minProperties"); m != nullptr && m->is_number() && obj.size() < count_of(*m))
      out.push_back(invalid_in_body(path, json::value(static_cast<std::int64_t>(obj.size())),
                                    "should have at least " + std::to_string(count_of(*m)) + " properties"));
    const auto* props = sub(schema, "properties");
    const auto* additional = sub(schema, "additionalProperties");
    for (const auto& kv : obj) {
      if (path.empty() && (kv.key() == "metadata" || kv.key() == "apiVersion" || kv.key() == "kind")) continue;
      if (props != nullptr) {
        if (const auto* ps = props->if_contains(kv.key()); ps != nullptr && ps->is_object()) {
          validate_into(kv.value(), ps->get_object(), join(path, kv.key()), out);
          continue;
        }
      }
      if (additional != nullptr) validate_into(kv.value(), *additional, join(path, kv.key()), out);
    }
  }
  validate_combinators(v, schema, path, out);
}

}  // namespace

void apply_defaults(json::value& value, const json::object& schema) {
  if (value.is_object()) {
    auto& obj = value.get_object();
    if (const auto* props = sub(schema, "properties")) {
      for (const auto& kv : *props) {
        if (!kv.value().is_object()) continue;
        const auto& ps = kv.value().get_object();
        auto* existing = obj.if_contains(kv.key());
        if (existing != nullptr && existing->is_null() && !flag(ps, "nullable")) {
          obj.erase(kv.key());
          existing = nullptr;
        }
        if (existing == nullptr) {
          if (const auto* d = ps.if_contains("default")) obj[kv.key()] = *d;
        }
        if (auto* now = obj.if_contains(kv.key())) apply_defaults(*now, ps);
      }
    }
    if (const auto* additional = sub(schema, "additionalProperties"))
      for (auto& kv : obj) apply_defaults(kv.value(), *additional);
  } else if (value.is_array()) {
    if (const auto* items = sub(schema, "items"))
      for (auto& v : value.get_array()) apply_defaults(v, *items);
  }
}

namespace {

void prune_into(json::value& value, const json::object& schema, const std::string& path, bool root,
                std::vector<std::string>& pruned) {
  if (value.is_object()) {
    auto& obj = value.get_object();
    bool preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    bool embedded = flag(schema, "x-kubernetes-embedded-resource");
    const auto* props = sub(schema, "properties");
    const auto* additional = sub(schema, "additionalProperties");
    bool additional_any = schema.if_contains("additionalProperties") && schema.at("additionalProperties").is_bool() &&
                          schema.at("additionalProperties").get_bool();
    std::vector<std::string> remove;
    for (auto& kv : obj) {
      std::string key(kv.key());
      if ((root || embedded) && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
      const json::object* child = nullptr;
      if (props != nullptr)
        if (const auto* ps = props->if_contains(key); ps != nullptr && ps->is_object()) child = &ps->get_object();
      if (child == nullptr && additional != nullptr) child = additional;
      if (child != nullptr) {
        prune_into(kv.value(), *child, join(path, key), false, pruned);
      } else if (!preserve && !additional_any) {
        remove.push_back(key);
      }
    }
    for (const auto& key : remove) {
      pruned.push_back(join(path, key));
      obj.erase(key);
    }
  } else if (value.is_array()) {
    if (const auto* items = sub(schema, "items")) {
      auto& arr = value.get_array();
      for (std::size_t i = 0; i < arr.size(); ++i)
        prune_into(arr[i], *items, path + "[" + std::to_string(i) + "]", false, pruned);
    }
  }
}

}  // namespace

std::vector<std::string> prune(json::value& value, const json::object& schema, bool root) {
  std::vector<std::string> pruned;
  prune_into(value, schema, "", root, pruned);
  std::sort(pruned.begin(), pruned.end());
  return pruned;
}

std::vector<Cause> validate(const json::value& value, const json::object& schema, const std::string& path) {
  std::vector<Cause> out;
  validate_into(value, schema, path, out);
  return out;
}

}  // namespace dragops::apiserver::schema
