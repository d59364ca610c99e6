#include "packs/validate.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace dragops::packs {
namespace {

bool is_space_or_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f;
}

bool is_domain_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || static_cast<unsigned char>(c) >= 0x80;
  });
}

std::string_view format_problem(FieldFormat format) {
  switch (format) {
    case FieldFormat::email: return "is not a valid email address";
    case FieldFormat::url: return "is not a valid http(s) URL with a host";
    case FieldFormat::text: break;
  }
  return "";
}

bool matches_format(FieldFormat format, std::string_view text) {
  switch (format) {
    case FieldFormat::email: return is_valid_email(text);
    case FieldFormat::url: return is_valid_url(text);
    case FieldFormat::text: return true;
  }
  return true;
}

}  // namespace

bool is_valid_email(std::string_view text) {
  if (text.size() > 254 || std::any_of(text.begin(), text.end(), is_space_or_control)) return false;
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) return false;
  if (at > 64) return false;
  std::string_view domain = text.substr(at + 1);
  if (domain.find('.') == std::string_view::npos) return false;
  while (!domain.empty()) {
    const auto dot = domain.find('.');
    if (!is_domain_label(domain.substr(0, dot))) return false;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
    if (domain.empty()) return false;   // trailing dot
  }
  return true;
}

bool is_valid_url(std::string_view text) {
  if (text.empty() || std::any_of(text.begin(), text.end(), is_space_or_control)) return false;
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url) {
    // parse_absolute_uri refuses a fragment; allow one by parsing the part before it.
    auto hash = text.find('#');
    if (hash == std::string_view::npos) return false;
    url = boost::urls::parse_absolute_uri(text.substr(0, hash));
    if (!url) return false;
  }
  const auto scheme = url->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return false;
  return url->has_authority() && !url->encoded_host().empty();
}

std::vector<FieldProblem> validate(const Pack& pack, const Values& values) {
  std::vector<FieldProblem> problems;
  for (const auto& field : pack.fields) {
    auto it = values.find(field.name);
    if (it == values.end()) {
      if (field.required) problems.push_back({field.name, "is missing"});
      continue;
    }
    const std::string_view text = it->second.view();
    if (text.empty()) {
      if (field.required) problems.push_back({field.name, "is empty"});
      continue;
    }
    if (!matches_format(field.format, text)) problems.push_back({field.name, std::string(format_problem(field.format))});
  }
  return problems;
}

std::string describe(const std::vector<FieldProblem>& problems) {
  std::string out;
  for (const auto& problem : problems) {
    if (!out.empty()) out += "; ";
    out += "field \"" + problem.field + "\" " + problem.problem;
  }
  return out;
}

}  // namespace dragops::packs
