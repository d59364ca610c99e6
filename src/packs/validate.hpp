#pragma once
// Validates credential values against a pack: every required field present and not empty, and
// `format: email` / `format: url` values well formed. Keys the pack does not name are ignored.
// Problems name the field and what is wrong with it, never the value.

#include "crypto/secret_bytes.hpp"
#include "packs/pack.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::packs {

struct FieldProblem {
  std::string field;
  std::string problem;   // "is missing", "is empty", "is not a valid email address", ...

  friend bool operator==(const FieldProblem&, const FieldProblem&) = default;
};

using Values = std::map<std::string, crypto::SecretBytes, std::less<>>;

std::vector<FieldProblem> validate(const Pack& pack, const Values& values);

// `field "email" is not a valid email address; field "api_token" is missing`
std::string describe(const std::vector<FieldProblem>& problems);

bool is_valid_email(std::string_view text);
// http or https, with a non-empty host, no whitespace or control characters.
bool is_valid_url(std::string_view text);

}  // namespace dragops::packs
