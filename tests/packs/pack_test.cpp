#include "packs/pack.hpp"
#include "yaml_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dragops::packs {
namespace {

using testing::yaml_file_to_json;
using testing::yaml_to_json;

Pack load_builtin(const std::string& name) {
  auto pack = parse_pack(yaml_file_to_json(std::string(DRAGOPS_SOURCE_DIR) + "/packs/" + name + ".yaml"));
  EXPECT_TRUE(pack.has_value()) << name << ": " << (pack ? "" : pack.error());
  return pack ? *pack : Pack{};
}

TEST(BuiltinPacks, JiraHasEmailTokenAndUrlFields) {
  const auto pack = load_builtin("jira");
  EXPECT_EQ(pack.auth_type, AuthType::fields);
  ASSERT_EQ(pack.fields.size(), 3u);
  EXPECT_EQ(pack.field("email")->format, FieldFormat::email);
  EXPECT_TRUE(pack.field("api_token")->secret);
  EXPECT_EQ(pack.field("instance_url")->format, FieldFormat::url);
}

TEST(BuiltinPacks, ServiceNowHasInstanceUrlUsernameAndPassword) {
  const auto pack = load_builtin("servicenow");
  EXPECT_EQ(pack.auth_type, AuthType::fields);
  ASSERT_NE(pack.field("instance_url"), nullptr);
  ASSERT_NE(pack.field("username"), nullptr);
  ASSERT_NE(pack.field("password"), nullptr);
  EXPECT_TRUE(pack.field("password")->secret);
}

TEST(BuiltinPacks, ApiKeyPacksHaveOneSecretApiKeyField) {
  for (const auto* name : {"virustotal", "sendgrid", "generic-api-key"}) {
    const auto pack = load_builtin(name);
    EXPECT_EQ(pack.auth_type, AuthType::api_key) << name;
    ASSERT_EQ(pack.fields.size(), 1u) << name;
    EXPECT_EQ(pack.fields[0].name, "api_key") << name;
    EXPECT_TRUE(pack.fields[0].secret) << name;
  }
}

TEST(BuiltinPacks, OAuthPacksHaveHttpsEndpointsAndPkce) {
  for (const auto* name : {"github", "slack", "google"}) {
    const auto pack = load_builtin(name);
    EXPECT_EQ(pack.auth_type, AuthType::oauth2) << name;
    ASSERT_TRUE(pack.oauth.has_value()) << name;
    EXPECT_EQ(pack.oauth->authorize_url.rfind("https://", 0), 0u) << name;
    EXPECT_EQ(pack.oauth->token_url.rfind("https://", 0), 0u) << name;
    EXPECT_TRUE(pack.oauth->pkce) << name;
  }
  EXPECT_EQ(load_builtin("google").oauth->revoke_url, "https://oauth2.googleapis.com/revoke");
  EXPECT_EQ(load_builtin("google").oauth->extra_authorize_params.at("access_type"), "offline");
}

TEST(ParsePack, GivesAnApiKeyPackWithoutFieldsTheApiKeyField) {
  auto pack = parse_pack(yaml_to_json("metadata: {name: x}\nspec: {authType: apiKey}"));
  ASSERT_TRUE(pack.has_value());
  ASSERT_EQ(pack->fields.size(), 1u);
  EXPECT_EQ(pack->fields[0].name, "api_key");
  EXPECT_TRUE(pack->fields[0].secret);
}

TEST(ParsePack, ReadsTheOptionalRfc9207Issuer) {
  const char* base = "metadata: {name: x}\nspec: {authType: oauth2, oauth: {authorizeURL: 'https://i/a', tokenURL: 'https://i/t'";
  auto with = parse_pack(yaml_to_json(std::string(base) + ", issuer: 'https://i'}}"));
  ASSERT_TRUE(with.has_value()) << with.error();
  EXPECT_EQ(with->oauth->issuer, "https://i");
  auto without = parse_pack(yaml_to_json(std::string(base) + "}}"));
  ASSERT_TRUE(without.has_value());
  EXPECT_TRUE(without->oauth->issuer.empty());
  EXPECT_FALSE(parse_pack(yaml_to_json(std::string(base) + ", issuer: [a]}}")).has_value());
}

TEST(ParsePack, FieldsAreRequiredUnlessSaidOtherwise) {
  auto pack = parse_pack(yaml_to_json("metadata: {name: x}\nspec: {authType: fields, fields: [{name: a}, {name: b, required: false}]}"));
  ASSERT_TRUE(pack.has_value());
  EXPECT_TRUE(pack->field("a")->required);
  EXPECT_FALSE(pack->field("b")->required);
}

struct BadPack {
  const char* yaml;
  const char* error_mentions;
};

// Names the case by what the error must mention, not by its bytes.
void PrintTo(const BadPack& c, std::ostream* out) { *out << "mentions " << c.error_mentions; }

class ParsePackRejects : public ::testing::TestWithParam<BadPack> {};

TEST_P(ParsePackRejects, NamingTheOffendingPath) {
  auto pack = parse_pack(yaml_to_json(GetParam().yaml));
  ASSERT_FALSE(pack.has_value());
  EXPECT_NE(pack.error().find(GetParam().error_mentions), std::string::npos) << pack.error();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParsePackRejects,
    ::testing::Values(BadPack{"spec: {authType: apiKey}", "metadata"},
                      BadPack{"metadata: {name: x}", "spec"},
                      BadPack{"metadata: {name: x}\nspec: {authType: basic}", "spec.authType"},
                      BadPack{"metadata: {name: x}\nspec: {authType: fields}", "spec.fields"},
                      BadPack{"metadata: {name: x}\nspec: {authType: fields, fields: [{label: A}]}", "spec.fields[0].name"},
                      BadPack{"metadata: {name: x}\nspec: {authType: fields, fields: [{name: a, format: phone}]}",
                              "spec.fields[0].format"},
                      BadPack{"metadata: {name: x}\nspec: {authType: fields, fields: [{name: a}, {name: a}]}", "duplicate"},
                      BadPack{"metadata: {name: x}\nspec: {authType: apiKey, fields: [{name: a}, {name: b}]}", "exactly one"},
                      BadPack{"metadata: {name: x}\nspec: {authType: oauth2}", "spec.oauth"},
                      BadPack{"metadata: {name: x}\nspec: {authType: oauth2, oauth: {authorizeURL: 'https://a'}}",
                              "spec.oauth.tokenURL"}));

TEST(AuthType, RoundTripsThroughItsResourceSpelling) {
  for (auto type : {AuthType::api_key, AuthType::oauth2, AuthType::fields})
    EXPECT_EQ(auth_type_from_string(to_string(type)), type);
  EXPECT_FALSE(auth_type_from_string("ApiKey").has_value());
}

}  // namespace
}  // namespace dragops::packs
