#include "apiserver/handler.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : store_(registry_, 100, [] { return std::chrono::system_clock::now(); }),
        handler_(store_, registry_, HandlerOptions{"secret-token", 3 * 1024 * 1024, "127.0.0.1:1", "", {}}) {
    call("POST", "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}})");
  }

  Outcome call(const std::string& method, const std::string& target, const std::string& body = "",
               const std::string& content_type = "application/json", const std::string& accept = "application/json") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers["authorization"] = "Bearer secret-token";
    if (!content_type.empty()) r.headers["content-type"] = content_type;
    if (!accept.empty()) r.headers["accept"] = accept;
    return handler_.handle(r);
  }
  static json::object body(const Outcome& o) { return boost::json::parse(o.response.body).as_object(); }
  static std::string reason(const Outcome& o) { return string_at(body(o), "reason"); }

  Registry registry_;
  Store store_;
  Handler handler_;
};

TEST_F(HandlerTest, RequiresTheBearerToken) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/v1/namespaces";
  auto o = handler_.handle(r);
  EXPECT_EQ(o.response.status, 401);
  EXPECT_EQ(reason(o), "Unauthorized");
  r.headers["authorization"] = "Bearer wrong";
  EXPECT_EQ(handler_.handle(r).response.status, 401);
  r.target = "/healthz";
  EXPECT_EQ(handler_.handle(r).response.status, 401) << "a wrong token is refused everywhere, as kube does";
  r.headers.erase("authorization");
  EXPECT_EQ(handler_.handle(r).response.status, 200) << "health endpoints are public";
  r.target = "/version";
  EXPECT_EQ(handler_.handle(r).response.status, 200) << "so is the version";
}

TEST_F(HandlerTest, MalformedBodiesAreBadRequestsAndChangeNothing) {
  auto rv = store_.resource_version();
  auto json = call("POST", "/api/v1/namespaces/default/configmaps", R"({"apiVersion":"v1","kind":"ConfigMap",)");
  EXPECT_EQ(json.response.status, 400);
  EXPECT_EQ(reason(json), "BadRequest");
  auto yaml = call("POST", "/api/v1/namespaces/default/configmaps", "metadata: {name: [unclosed\n", "application/yaml");
  EXPECT_EQ(yaml.response.status, 400);
  auto not_object = call("POST", "/api/v1/namespaces/default/configmaps", "[1,2]");
  EXPECT_EQ(not_object.response.status, 400);
  auto wrong_kind = call("POST", "/api/v1/namespaces/default/secrets", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_kind.response.status, 400);
  auto media = call("POST", "/api/v1/namespaces/default/configmaps", "a=b", "application/x-www-form-urlencoded");
  EXPECT_EQ(media.response.status, 415);
  EXPECT_EQ(reason(media), "UnsupportedMediaType");
  auto patch_media = call("PATCH", "/api/v1/namespaces/default/configmaps/x", "{}", "application/json");
  EXPECT_EQ(patch_media.response.status, 415);
  std::string huge(3 * 1024 * 1024 + 1, ' ');
  auto large = call("POST", "/api/v1/namespaces/default/configmaps", huge);
  EXPECT_EQ(large.response.status, 413);
  EXPECT_EQ(reason(large), "RequestEntityTooLarge");
  EXPECT_EQ(store_.resource_version(), rv);
}

TEST_F(HandlerTest, AcceptsYamlBodies) {
  auto o = call("POST", "/api/v1/namespaces/default/configmaps",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  n: \"1\"\n", "application/yaml");
  EXPECT_EQ(o.response.status, 201);
  EXPECT_EQ(string_at(body(o), "data.n"), "1");
}

TEST_F(HandlerTest, UnknownPathsAndMethodsGetStatusErrors) {
  EXPECT_EQ(call("GET", "/api/v1/nothings").response.status, 404);
  EXPECT_EQ(call("GET", "/apis/nowhere.test/v1").response.status, 404);
  auto post_item = call("POST", "/api/v1/namespaces/default/configmaps/x", "{}");
  EXPECT_EQ(post_item.response.status, 405);
  EXPECT_EQ(reason(post_item), "MethodNotAllowed");
  auto protobuf_only = call("GET", "/api/v1/namespaces", "", "", "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(protobuf_only.response.status, 406);
  auto missing = call("GET", "/api/v1/namespaces/default/configmaps/nope");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(string_at(body(missing), "kind"), "Status");
  EXPECT_EQ(string_at(body(missing), "message"), R"(configmaps "nope" not found)");
}

TEST_F(HandlerTest, ServesTablesWithPrinterColumns) {
  call("POST", "/api/v1/namespaces/default/secrets", R"({"metadata":{"name":"s"},"stringData":{"a":"b","c":"d"}})");
  auto o = call("GET", "/api/v1/namespaces/default/secrets", "", "",
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  ASSERT_EQ(o.response.status, 200);
  auto table = body(o);
  EXPECT_EQ(string_at(table, "kind"), "Table");
  EXPECT_EQ(to_json(table.at("columnDefinitions").as_array()[1].as_object().at("name")), R"("Type")");
  auto cells = table.at("rows").as_array()[0].as_object().at("cells").as_array();
  EXPECT_EQ(to_json(cells), R"(["s","Opaque",2,"0s"])");
  EXPECT_EQ(string_at(table.at("rows").as_array()[0].as_object(), "object.kind"), "PartialObjectMetadata");
}

TEST_F(HandlerTest, DiscoveryListsResourcesWithVerbsAndShortNames) {
  auto o = call("GET", "/api/v1");
  auto list = body(o);
  bool found = false;
  for (const auto& r : list.at("resources").as_array()) {
    if (string_at(r.as_object(), "name") != "configmaps") continue;
    found = true;
    EXPECT_EQ(to_json(r.as_object().at("shortNames")), R"(["cm"])");
    EXPECT_EQ(to_json(r.as_object().at("namespaced")), "true");
  }
  EXPECT_TRUE(found);
  auto aggregated = call("GET", "/apis", "", "", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
  EXPECT_EQ(aggregated.response.content_type, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  EXPECT_EQ(string_at(body(aggregated), "kind"), "APIGroupDiscoveryList");
}

TEST_F(HandlerTest, DeleteOfAGoneObjectReportsSuccessStatus) {
  call("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"c"}})");
  auto o = call("DELETE", "/api/v1/namespaces/default/configmaps/c", R"({"propagationPolicy":"Background"})");
  EXPECT_EQ(o.response.status, 200);
  EXPECT_EQ(string_at(body(o), "status"), "Success");
  EXPECT_EQ(call("DELETE", "/api/v1/namespaces/default/configmaps/c").response.status, 404);
}

TEST_F(HandlerTest, WatchRequestsBecomeWatchPlans) {
  auto o = call("GET", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=5");
  ASSERT_TRUE(o.watch);
  EXPECT_TRUE(o.watch->bookmarks);
  EXPECT_EQ(o.watch->timeout_seconds, 5);
  auto bad_selector = call("GET", "/api/v1/configmaps?watch=1&labelSelector=a%20b");
  EXPECT_EQ(bad_selector.response.status, 400);
  EXPECT_FALSE(bad_selector.watch);
}

TEST_F(HandlerTest, WarnsAboutUnknownFieldsUnderWarnValidation) {
  const char* crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.example.test"},
    "spec":{"group":"example.test","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},
      "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
        "spec":{"type":"object","properties":{"a":{"type":"string","maxLength":-1},"b":{"type":"string","minLength":2.5}}}}}}}]}})";
  ASSERT_EQ(call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).response.status, 201);
  // Odd numbers in a schema (negative, fractional) are read without throwing.
  auto o = call("POST", "/apis/example.test/v1/namespaces/default/things?fieldValidation=Warn",
                R"({"apiVersion":"example.test/v1","kind":"Thing","metadata":{"name":"t"},"spec":{"a":"","b":"xyz","c":1}})");
  ASSERT_EQ(o.response.status, 201) << o.response.body;
  ASSERT_EQ(o.response.headers.size(), 1u);
  EXPECT_EQ(o.response.headers[0].first, "Warning");
  EXPECT_EQ(o.response.headers[0].second, R"(299 - "unknown field \"spec.c\"")");
  EXPECT_EQ(find_path(body(o), "spec.c"), nullptr) << "pruned";
  auto bad = call("POST", "/apis/example.test/v1/namespaces/default/things?fieldValidation=Sometimes", "{}");
  EXPECT_EQ(bad.response.status, 400);
}

TEST_F(HandlerTest, ServesEveryCrdVersionAndPrefersTheMostStable) {
  const char* crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.example.test"},
    "spec":{"group":"example.test","scope":"Cluster","names":{"plural":"gadgets","kind":"Gadget"},"versions":[
      {"name":"v1alpha1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
      {"name":"v1beta2","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
      {"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"count":{"type":"integer"}}}}}}}]}})";
  ASSERT_EQ(call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).response.status, 201);
  auto group = body(call("GET", "/apis/example.test"));
  EXPECT_EQ(string_at(group, "preferredVersion.version"), "v1");
  std::vector<std::string> order;
  for (const auto& v : group.at("versions").as_array()) order.push_back(string_at(v.as_object(), "version"));
  EXPECT_EQ(order, (std::vector<std::string>{"v1", "v1beta2", "v1alpha1"}));
  ASSERT_EQ(call("POST", "/apis/example.test/v1/gadgets", R"({"apiVersion":"example.test/v1","kind":"Gadget","metadata":{"name":"g"},"spec":{"count":1}})")
                .response.status, 201);
  auto old = call("GET", "/apis/example.test/v1alpha1/gadgets/g");
  ASSERT_EQ(old.response.status, 200);
  EXPECT_EQ(string_at(body(old), "apiVersion"), "example.test/v1alpha1");
  EXPECT_EQ(to_json(*find_path(body(old), "spec.count")), "1");
}

TEST_F(HandlerTest, WatchPathsSelectByName) {
  auto o = call("GET", "/api/v1/watch/namespaces/default/configmaps/one?resourceVersion=0");
  ASSERT_TRUE(o.watch);
  ASSERT_EQ(o.watch->spec.fields.requirements().size(), 1u);
  EXPECT_EQ(o.watch->spec.fields.requirements()[0].field, "metadata.name");
  EXPECT_EQ(o.watch->spec.ns, "default");
}

TEST_F(HandlerTest, ApplyPatchesCreateMissingObjects) {
  auto o = call("PATCH", "/api/v1/namespaces/default/configmaps/applied?fieldManager=test",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: b\n", "application/apply-patch+yaml");
  EXPECT_EQ(o.response.status, 201) << o.response.body;
  o = call("PATCH", "/api/v1/namespaces/default/configmaps/applied?fieldManager=test",
           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  c: d\n", "application/apply-patch+yaml");
  EXPECT_EQ(o.response.status, 200);
  EXPECT_EQ(string_at(body(o), "data.c"), "d");
}

}  // namespace
}  // namespace dragops::apiserver
