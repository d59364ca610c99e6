#include "apiserver/selector.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>

namespace dragops::apiserver {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool valid_qualified_name_part(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!is_alnum(name.front()) || !is_alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool valid_dns_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (!is_alnum(name.front()) || !is_alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (std::islower(static_cast<unsigned char>(c)) != 0) || std::isdigit(static_cast<unsigned char>(c)) != 0 ||
           c == '-' || c == '.';
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on commas that are not inside parentheses.
Result<std::vector<std::string_view>> split_requirements(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (depth < 0) return errors::bad_request("unable to parse requirement: unbalanced parenthesis");
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth != 0) return errors::bad_request("unable to parse requirement: unbalanced parenthesis");
  parts.push_back(text.substr(start));
  return parts;
}

ApiError selector_error(std::string_view requirement, std::string_view why) {
  return errors::bad_request("unable to parse requirement: " + std::string(why) + " in \"" +
                             std::string(requirement) + "\"");
}

Result<LabelRequirement> parse_requirement(std::string_view raw) {
  std::string_view r = trim(raw);
  if (r.empty()) return selector_error(raw, "empty requirement");
  LabelRequirement req;
  if (r.front() == '!') {
    req.key = std::string(trim(r.substr(1)));
    req.op = LabelRequirement::Op::does_not_exist;
  } else {
    // find an operator
    std::size_t i = 0;
    while (i < r.size() && !std::isspace(static_cast<unsigned char>(r[i])) && r[i] != '=' && r[i] != '!' &&
           r[i] != '<' && r[i] != '>')
      ++i;
    req.key = std::string(r.substr(0, i));
    std::string_view rest = trim(r.substr(i));
    auto set_values = [&](std::string_view list) -> Result<void> {
      list = trim(list);
      if (list.size() < 2 || list.front() != '(' || list.back() != ')')
        return selector_error(raw, "expected a parenthesised set of values");
      list = list.substr(1, list.size() - 2);
      std::size_t s = 0;
      while (true) {
        auto comma = list.find(',', s);
        auto v = trim(list.substr(s, comma == std::string_view::npos ? std::string_view::npos : comma - s));
        req.values.emplace_back(v);
        if (comma == std::string_view::npos) break;
        s = comma + 1;
      }
      return {};
    };
    if (rest.empty()) {
      req.op = LabelRequirement::Op::exists;
    } else if (rest.starts_with("==")) {
      req.op = LabelRequirement::Op::equals;
      req.values.emplace_back(trim(rest.substr(2)));
    } else if (rest.starts_with("!=")) {
      req.op = LabelRequirement::Op::not_equals;
      req.values.emplace_back(trim(rest.substr(2)));
    } else if (rest.starts_with("=")) {
      req.op = LabelRequirement::Op::equals;
      req.values.emplace_back(trim(rest.substr(1)));
    } else if (rest.starts_with(">") || rest.starts_with("<")) {
      req.op = rest.front() == '>' ? LabelRequirement::Op::greater_than : LabelRequirement::Op::less_than;
      auto v = std::string(trim(rest.substr(1)));
      if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return selector_error(raw, "for 'Gt', 'Lt' operators, the value must be an integer");
      req.values.push_back(v);
    } else if (rest.starts_with("notin") && rest.size() > 5 && (rest[5] == '(' || std::isspace(static_cast<unsigned char>(rest[5])))) {
      req.op = LabelRequirement::Op::not_in;
      if (auto r2 = set_values(rest.substr(5)); !r2) return r2.error();
    } else if (rest.starts_with("in") && rest.size() > 2 && (rest[2] == '(' || std::isspace(static_cast<unsigned char>(rest[2])))) {
      req.op = LabelRequirement::Op::in;
      if (auto r2 = set_values(rest.substr(2)); !r2) return r2.error();
    } else {
      return selector_error(raw, "found '" + std::string(rest) + "', expected: in, notin, =, ==, !=, gt, lt");
    }
  }
  if (!valid_label_key(req.key)) return selector_error(raw, "invalid label key \"" + req.key + "\"");
  for (const auto& v : req.values)
    if (!valid_label_value(v)) return selector_error(raw, "invalid label value: \"" + v + "\"");
  return req;
}

bool requirement_matches(const LabelRequirement& req, const boost::json::object& labels) {
  auto it = labels.find(req.key);
  bool has = it != labels.end() && it->value().is_string();
  std::string value = has ? std::string(it->value().get_string()) : std::string();
  auto in_values = [&] { return std::find(req.values.begin(), req.values.end(), value) != req.values.end(); };
  switch (req.op) {
    case LabelRequirement::Op::equals: return has && in_values();
    case LabelRequirement::Op::not_equals: return !has || !in_values();
    case LabelRequirement::Op::in: return has && in_values();
    case LabelRequirement::Op::not_in: return !has || !in_values();
    case LabelRequirement::Op::exists: return has;
    case LabelRequirement::Op::does_not_exist: return !has;
    case LabelRequirement::Op::greater_than:
    case LabelRequirement::Op::less_than: {
      if (!has || value.empty()) return false;
      char* end = nullptr;
      long long have = std::strtoll(value.c_str(), &end, 10);
      if (*end != '\0') return false;
      long long want = std::stoll(req.values.front());
      return req.op == LabelRequirement::Op::greater_than ? have > want : have < want;
    }
  }
  return false;
}

}  // namespace

bool valid_label_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return valid_qualified_name_part(key);
  return valid_dns_subdomain(key.substr(0, slash)) && valid_qualified_name_part(key.substr(slash + 1));
}

bool valid_label_value(std::string_view value) { return value.empty() || valid_qualified_name_part(value); }

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  LabelSelector selector;
  if (trim(text).empty()) return selector;
  auto parts = split_requirements(text);
  if (!parts) return parts.error();
  for (auto part : *parts) {
    auto req = parse_requirement(part);
    if (!req) return req.error();
    selector.requirements_.push_back(std::move(*req));
  }
  return selector;
}

Result<LabelSelector> LabelSelector::from_json(const boost::json::object& selector) {
  LabelSelector out;
  if (auto it = selector.find("matchLabels"); it != selector.end() && it->value().is_object()) {
    for (const auto& kv : it->value().get_object()) {
      if (!kv.value().is_string()) return errors::bad_request("matchLabels values must be strings");
      out.requirements_.push_back({std::string(kv.key()), LabelRequirement::Op::equals,
                                   {std::string(kv.value().get_string())}});
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && it->value().is_array()) {
    for (const auto& e : it->value().get_array()) {
      if (!e.is_object()) return errors::bad_request("matchExpressions entries must be objects");
      const auto& expr = e.get_object();
      LabelRequirement req;
      if (auto k = expr.find("key"); k != expr.end() && k->value().is_string()) req.key = k->value().get_string();
      std::string op;
      if (auto o = expr.find("operator"); o != expr.end() && o->value().is_string()) op = o->value().get_string();
      if (op == "In") req.op = LabelRequirement::Op::in;
      else if (op == "NotIn") req.op = LabelRequirement::Op::not_in;
      else if (op == "Exists") req.op = LabelRequirement::Op::exists;
      else if (op == "DoesNotExist") req.op = LabelRequirement::Op::does_not_exist;
      else return errors::bad_request("\"" + op + "\" is not a valid label selector operator");
      if (auto v = expr.find("values"); v != expr.end() && v->value().is_array())
        for (const auto& x : v->value().get_array())
          if (x.is_string()) req.values.emplace_back(x.get_string());
      out.requirements_.push_back(std::move(req));
    }
  }
  return out;
}

bool LabelSelector::matches(const boost::json::object& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return requirement_matches(r, labels); });
}

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  FieldSelector selector;
  if (trim(text).empty()) return selector;
  // split on unescaped commas
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      parts.back() += text[i];
      parts.back() += text[++i];
    } else if (text[i] == ',') {
      parts.emplace_back();
    } else {
      parts.back() += text[i];
    }
  }
  for (const auto& part : parts) {
    FieldRequirement req;
    std::size_t pos = std::string::npos;
    std::size_t op_len = 0;
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '\\') { ++i; continue; }
      if (part.compare(i, 2, "!=") == 0) { pos = i; op_len = 2; req.negated = true; break; }
      if (part.compare(i, 2, "==") == 0) { pos = i; op_len = 2; break; }
      if (part[i] == '=') { pos = i; op_len = 1; break; }
    }
    if (pos == std::string::npos)
      return errors::bad_request("invalid selector: '" + std::string(text) + "'; can't understand '" + part + "'");
    req.field = std::string(trim(part.substr(0, pos)));
    std::string raw = part.substr(pos + op_len);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      req.value += raw[i];
    }
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::matches(const std::function<std::optional<std::string>(const std::string&)>& field_value) const {
  for (const auto& req : requirements_) {
    auto have = field_value(req.field);
    std::string value = have.value_or("");
    if ((value == req.value) == req.negated) return false;
  }
  return true;
}

}  // namespace dragops::apiserver
