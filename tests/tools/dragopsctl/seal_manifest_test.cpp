#include "seal_manifest.hpp"
#include "sealing_key.hpp"

#include "crypto/base64.hpp"
#include "store/sealed_input.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace dragops::dragopsctl {
namespace {

constexpr std::string_view kCanary = "CANARY-manifest-93d1";

const crypto::hpke::KeyPair& cluster_key() {
  static const auto pair = crypto::hpke::generate_key_pair();
  return *pair;
}

std::string opened(const std::string& text, const store::SealedInputTarget& target) {
  const auto& pair = cluster_key();
  auto value = store::open_sealed_input(
      [&pair](const crypto::SealingKeyId& id) { return id == crypto::key_id_of(pair.public_key) ? &pair : nullptr; },
      target, text);
  return value ? std::string(value->view()) : "<does not open: " + std::string(store::to_string(value.error().error)) + ">";
}

SealedManifests seal(std::string_view yaml, std::string_view ns = "") {
  auto sealed = seal_manifests(yaml, cluster_key().public_key, ns);
  EXPECT_TRUE(sealed) << sealed.error();
  return sealed ? *sealed : SealedManifests{};
}

std::string refusal(std::string_view yaml, std::string_view ns = "") {
  auto sealed = seal_manifests(yaml, cluster_key().public_key, ns);
  EXPECT_FALSE(sealed);
  return sealed ? "" : sealed.error();
}

TEST(SealManifests, TurnsAConnectionsPlaintextCredentialsIntoSealedOnesBoundToIt) {
  const auto out = seal(R"(apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: jira, namespace: team-a}
spec:
  pack: jira
  credentials:
    email: bot@example.com
    api_token: CANARY-manifest-93d1
)");
  EXPECT_EQ(out.values, 2u);
  EXPECT_EQ(out.text.find(kCanary), std::string::npos);
  EXPECT_EQ(out.text.find("credentials:"), std::string::npos);
  const auto doc = YAML::Load(out.text);
  EXPECT_EQ(doc["spec"]["pack"].Scalar(), "jira");
  const auto token = doc["spec"]["sealedCredentials"]["api_token"].Scalar();
  EXPECT_EQ(opened(token, {"team-a", store::Kind::connection, "jira", "api_token"}), kCanary);
  EXPECT_EQ(opened(doc["spec"]["sealedCredentials"]["email"].Scalar(), {"team-a", store::Kind::connection, "jira", "email"}),
            "bot@example.com");
  EXPECT_EQ(opened(token, {"team-a", store::Kind::connection, "jira", "email"}), "<does not open: does not open here>");
}

TEST(SealManifests, SealsADragopsSecretsPlaintextValuesAndKeepsItsReferences) {
  const auto out = seal(R"(apiVersion: dragops.io/v1alpha1
kind: Secret
metadata: {name: db-password}
spec:
  environments:
    development: {secretKeyRef: {name: db-dev, key: password}}
    production: {value: CANARY-manifest-93d1}
)",
                        "team-a");
  EXPECT_EQ(out.values, 1u);
  EXPECT_EQ(out.text.find(kCanary), std::string::npos);
  const auto doc = YAML::Load(out.text);
  EXPECT_EQ(doc["metadata"]["namespace"].Scalar(), "team-a");   // the binding is written down
  EXPECT_EQ(doc["spec"]["environments"]["development"]["secretKeyRef"]["name"].Scalar(), "db-dev");
  EXPECT_FALSE(doc["spec"]["environments"]["production"]["value"]);
  EXPECT_EQ(opened(doc["spec"]["environments"]["production"]["sealedValue"].Scalar(),
                   {"team-a", store::Kind::secret, "db-password", "production"}),
            kCanary);
}

TEST(SealManifests, PassesOtherDocumentsAndSealedValuesThroughAndSaysSo) {
  const auto out = seal(R"(apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: vt, namespace: team-a}
spec: {pack: virustotal, sealedCredentials: {api_key: AQAA}}
)");
  EXPECT_EQ(out.values, 0u);
  ASSERT_EQ(out.notes.size(), 2u);
  EXPECT_EQ(out.notes[0], "document 1 (Namespace) is not a dragops.io Connection or Secret: passed through unchanged, not sealed");
  EXPECT_EQ(out.notes[1], "document 2 (Connection vt): no plaintext to seal, passed through");
  const auto docs = YAML::LoadAll(out.text);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1]["spec"]["sealedCredentials"]["api_key"].Scalar(), "AQAA");
}

TEST(SealManifests, ReadsJsonToo) {
  const auto out = seal(R"({"apiVersion": "dragops.io/v1alpha1", "kind": "Connection",
    "metadata": {"name": "vt", "namespace": "team-a"},
    "spec": {"pack": "virustotal", "credentials": {"api_key": "CANARY-manifest-93d1"}}})");
  EXPECT_EQ(out.values, 1u);
  EXPECT_EQ(out.text.find(kCanary), std::string::npos);
}

TEST(SealManifests, RefusesWhatItCannotBindOrSealNamingTheDocumentNeverTheValue) {
  struct Case {
    const char* name;
    std::string yaml;
    std::string ns;
    std::string error;
  };
  const std::string head = "apiVersion: dragops.io/v1alpha1\nkind: Connection\n";
  const std::vector<Case> cases{
      {"no namespace", head + "metadata: {name: jira}\nspec: {pack: jira, credentials: {api_token: CANARY-manifest-93d1}}\n", "",
       "document 1 (Connection jira): metadata.namespace is required (sealed values are bound to it), or pass --namespace"},
      {"another namespace than asked",
       head + "metadata: {name: jira, namespace: team-b}\nspec: {pack: jira, credentials: {api_token: x}}\n", "team-a",
       "document 1 (Connection jira): metadata.namespace is team-b, not team-a as --namespace says"},
      {"no name", head + "metadata: {namespace: team-a}\nspec: {credentials: {a: b}}\n", "",
       "document 1 (Connection ): metadata.name is required"},
      {"credentialsRef beside credentials",
       head + "metadata: {name: jira, namespace: team-a}\nspec: {credentialsRef: {name: c}, credentials: {a: CANARY-manifest-93d1}}\n",
       "", "document 1 (Connection jira): spec.credentials and spec.credentialsRef are both set; use one"},
      {"a value that is a map",
       head + "metadata: {name: jira, namespace: team-a}\nspec: {credentials: {api_token: {CANARY-manifest-93d1: 1}}}\n", "",
       "document 1 (Connection jira): spec.credentials.api_token must be a string"},
      {"a field sealed twice",
       head + "metadata: {name: jira, namespace: team-a}\nspec: {credentials: {a: b}, sealedCredentials: {a: AQAA}}\n", "",
       "document 1 (Connection jira): a is in spec.credentials and spec.sealedCredentials"},
      {"a Secret value beside its reference",
       "apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: db, namespace: team-a}\n"
       "spec: {environments: {prod: {value: CANARY-manifest-93d1, secretKeyRef: {name: a, key: b}}}}\n",
       "", "document 1 (Secret db): spec.environments.prod.value is set beside secretKeyRef or sealedValue; use one"},
      {"not YAML", "a: [CANARY-manifest-93d1\n", "", "not YAML: line 2: end of sequence flow not found"},
      {"not UTF-8 (found by fuzz_seal_manifest: yaml-cpp does not give such bytes back as it read them)",
       head + "metadata: {name: jira, namespace: team-a}\nspec: {credentials: {api_token: \"CANARY-manifest-93d1\xfe\xff\"}}\n",
       "", "not UTF-8 text: byte 145 of the manifests"},
      {"an overlong UTF-8 encoding", "a: \xc0\xaf" "CANARY-manifest-93d1\n", "", "not UTF-8 text: byte 4 of the manifests"},
      {"a NUL byte (found by fuzz_seal_manifest)", std::string("a: CANARY-manifest-93d1\0b\n", 26), "",
       "a control character YAML does not allow: byte 24 of the manifests"},
      {"a key twice (found by fuzz_seal_manifest: the second credentials would stay plaintext)",
       head + "metadata: {name: jira, namespace: team-a}\nspec: {credentials: {a: b}, credentials: {a: CANARY-manifest-93d1}}\n",
       "", "not a manifest: line 4: a key appears twice in the same mapping"},
      {"a CR without LF (found by fuzz_seal_manifest)", "a: b\rc: CANARY-manifest-93d1\r\n", "", "a CR without LF: byte 5 of the manifests"},
      {"a list", "- a\n- b\n", "", "document 1 is not a map"},
      {"stray text after a flow document (yaml-cpp 0.7 would loop)", "{\"a\":\"b\"},\"c\":{\"d\":\"e\"}}}", "",
       "not YAML: line 1: unexpected text after a document"},
      {"an alias (a few bytes that expand without bound)", "a: &x [1, 2]\nb: [*x, *x]\n", "",
       "line 2: YAML aliases (*name) are not supported in manifests"},
  };
  for (const auto& c : cases) {
    const auto error = refusal(c.yaml, c.ns);
    EXPECT_EQ(error, c.error) << c.name;
    EXPECT_EQ(error.find(kCanary), std::string::npos) << c.name;
  }
}

TEST(SealedResource, BuildsAConnectionOrSecretWithOnlySealedValues) {
  NewResource connection{store::Kind::connection, "team-a", "vt", "virustotal", {}};
  connection.values.emplace("api_key", crypto::SecretBytes::from_string(kCanary));
  auto object = sealed_resource(connection, cluster_key().public_key);
  ASSERT_TRUE(object);
  const auto yaml = to_yaml(*object);
  EXPECT_EQ(yaml.find(kCanary), std::string::npos);
  const auto doc = YAML::Load(yaml);
  EXPECT_EQ(doc["kind"].Scalar(), "Connection");
  EXPECT_EQ(doc["spec"]["pack"].Scalar(), "virustotal");
  EXPECT_EQ(opened(doc["spec"]["sealedCredentials"]["api_key"].Scalar(), {"team-a", store::Kind::connection, "vt", "api_key"}),
            kCanary);

  NewResource secret{store::Kind::secret, "team-a", "db", "", {}};
  secret.values.emplace("production", crypto::SecretBytes::from_string(kCanary));
  auto secret_object = sealed_resource(secret, cluster_key().public_key);
  ASSERT_TRUE(secret_object);
  const auto text = secret_object->at("spec").at("environments").at("production").at("sealedValue").as_string();
  EXPECT_EQ(opened(std::string(text), {"team-a", store::Kind::secret, "db", "production"}), kCanary);
}

TEST(ParsePublicKey, ReadsTheConfigMapLineOrTheEndpointsJson) {
  const auto encoded = crypto::base64_encode(cluster_key().public_key);
  const auto id = store::key_id_hex(crypto::key_id_of(cluster_key().public_key));
  auto line = parse_public_key("  " + encoded + "\n");
  ASSERT_TRUE(line) << line.error();
  EXPECT_EQ(line->key_id, id);
  auto json = parse_public_key(R"({"keyId":")" + id + R"(","publicKey":")" + encoded + R"(","acceptedKeyIds":[]})");
  ASSERT_TRUE(json) << json.error();
  EXPECT_EQ(json->key, cluster_key().public_key);
  EXPECT_EQ(parse_public_key(R"({"keyId":"0000000000000000","publicKey":")" + encoded + "\"}").error(),
            "the public key's id is " + id + ", not 0000000000000000 as published");
  EXPECT_EQ(parse_public_key("not a key").error(), "the public key is not base64");
  EXPECT_EQ(parse_public_key("AAAA").error(), "the public key is not a P-256 public key (65-byte uncompressed point)");
  EXPECT_EQ(parse_public_key("{}").error(), "the JSON has no string \"publicKey\"");
}

}  // namespace
}  // namespace dragops::dragopsctl
