#include "packs/validate.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

#include <string>

namespace dragops::packs {
namespace {

Pack jira() {
  Pack pack;
  pack.name = "jira";
  pack.auth_type = AuthType::fields;
  pack.fields = {{"email", "Email", true, false, FieldFormat::email},
                 {"api_token", "API token", true, true, FieldFormat::text},
                 {"instance_url", "Instance URL", true, false, FieldFormat::url},
                 {"project", "Project", false, false, FieldFormat::text}};
  return pack;
}

Values values(std::initializer_list<std::pair<const char*, const char*>> entries) {
  Values out;
  for (const auto& [key, value] : entries) out.emplace(key, crypto::SecretBytes::from_string(value));
  return out;
}

constexpr const char* kCanary = "CANARY-7f3a9c-token";

TEST(Validate, AcceptsCompleteWellFormedValues) {
  EXPECT_TRUE(validate(jira(), values({{"email", "a@example.com"}, {"api_token", kCanary},
                                       {"instance_url", "https://example.atlassian.net"}}))
                  .empty());
}

TEST(Validate, IgnoresKeysThePackDoesNotName) {
  EXPECT_TRUE(validate(jira(), values({{"email", "a@example.com"}, {"api_token", "t"},
                                       {"instance_url", "https://x.example"}, {"unrelated", "zzz"}}))
                  .empty());
}

TEST(Validate, ReportsEachMissingRequiredFieldButNotOptionalOnes) {
  auto problems = validate(jira(), values({{"email", "a@example.com"}}));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], (FieldProblem{"api_token", "is missing"}));
  EXPECT_EQ(problems[1], (FieldProblem{"instance_url", "is missing"}));
}

TEST(Validate, ReportsAnEmptyRequiredField) {
  auto problems = validate(jira(), values({{"email", "a@example.com"}, {"api_token", ""}, {"instance_url", "http://h"}}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], (FieldProblem{"api_token", "is empty"}));
}

TEST(Validate, NamesTheMalformedFieldsWithoutTheirValues) {
  auto problems = validate(jira(), values({{"email", kCanary}, {"api_token", "t"}, {"instance_url", kCanary}}));
  ASSERT_EQ(problems.size(), 2u);
  const auto message = describe(problems);
  EXPECT_EQ(message,
            "field \"email\" is not a valid email address; field \"instance_url\" is not a valid http(s) URL with a host");
  EXPECT_EQ(message.find("CANARY"), std::string::npos);
}

struct Case {
  const char* text;
  bool valid;
};

// Names the case in CTest's list: the verdict and the text, with anything but letters, digits
// and URL punctuation (the tabs and newlines some cases hold on purpose) shown as '_'.
void PrintTo(const Case& c, std::ostream* out) {
  std::string text(c.text);
  for (char& ch : text)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && std::string_view(".@+-:/?=").find(ch) == std::string_view::npos) ch = '_';
  *out << (c.valid ? "valid " : "invalid ") << text;
}

class Email : public ::testing::TestWithParam<Case> {};
TEST_P(Email, IsJudgedAsTheTableSays) { EXPECT_EQ(is_valid_email(GetParam().text), GetParam().valid) << GetParam().text; }
INSTANTIATE_TEST_SUITE_P(Table, Email,
                         ::testing::Values(Case{"a@example.com", true}, Case{"first.last+tag@sub.example.co", true},
                                           Case{"a@b-c.io", true}, Case{"", false}, Case{"example.com", false},
                                           Case{"@example.com", false}, Case{"a@", false}, Case{"a@localhost", false},
                                           Case{"a@@example.com", false}, Case{"a@b@example.com", false},
                                           Case{"a b@example.com", false}, Case{"a@example..com", false},
                                           Case{"a@example.com.", false}, Case{"a@-x.com", false},
                                           Case{"a@x.com\n", false}));

class Url : public ::testing::TestWithParam<Case> {};
TEST_P(Url, IsJudgedAsTheTableSays) { EXPECT_EQ(is_valid_url(GetParam().text), GetParam().valid) << GetParam().text; }
INSTANTIATE_TEST_SUITE_P(Table, Url,
                         ::testing::Values(Case{"https://example.atlassian.net", true}, Case{"http://10.0.0.1:8080/x?y=1", true},
                                           Case{"https://h/path#frag", true}, Case{"HTTPS://EXAMPLE.COM", true},
                                           Case{"", false}, Case{"example.com", false}, Case{"ftp://example.com", false},
                                           Case{"https://", false}, Case{"https:///path", false},
                                           Case{"https://exa mple.com", false}, Case{"javascript:alert(1)", false},
                                           Case{"mailto:a@example.com", false}, Case{"https://x.com\t", false}));

}  // namespace
}  // namespace dragops::packs
