#include "apiserver/store.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

json::object j(const std::string& text) { return boost::json::parse(text).as_object(); }

const char* kWidgetCrd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"widgets.example.test"},
  "spec":{"group":"example.test","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget","shortNames":["wd"]},
    "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
      "schema":{"openAPIV3Schema":{"type":"object","properties":{
        "spec":{"type":"object","required":["size"],"properties":{"size":{"type":"string","enum":["small","large"]},
                "replicas":{"type":"integer","default":1}}},
        "status":{"type":"object","properties":{"phase":{"type":"string"}}}}}}}]}})";

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(registry_, 8, [this] { return now_; }) {
    now_ = std::chrono::system_clock::from_time_t(1700000000);
    for (const char* name : {"default", "team"}) ns_create(name);
  }

  const ResourceType& type(const std::string& group, const std::string& resource) {
    const auto* t = registry_.find_any_version(group, resource);
    EXPECT_NE(t, nullptr) << resource;
    return *t;
  }
  void ns_create(const std::string& name) {
    ASSERT_TRUE(store_.create(type("", "namespaces"), "", j(R"({"metadata":{"name":")" + name + R"("}})"), {}));
  }
  json::object cm(const std::string& name, const std::string& extra = "") {
    return j(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"(")" + extra + "}}");
  }
  const ResourceType& widgets() {
    if (registry_.find("example.test", "v1", "widgets") == nullptr) {
      EXPECT_TRUE(store_.create(type("apiextensions.k8s.io", "customresourcedefinitions"), "", j(kWidgetCrd), {}));
    }
    return *registry_.find("example.test", "v1", "widgets");
  }
  json::object widget(const std::string& name, const std::string& size = "small") {
    return j(R"({"apiVersion":"example.test/v1","kind":"Widget","metadata":{"name":")" + name + R"("},"spec":{"size":")" + size + R"("}})");
  }

  Registry registry_;
  std::chrono::system_clock::time_point now_;
  Store store_;
};

TEST_F(StoreTest, CreateSetsUidTimestampAndOneGlobalIncreasingVersion) {
  auto before = store_.resource_version();
  auto a = store_.create(type("", "configmaps"), "default", cm("a"), {});
  auto b = store_.create(type("", "secrets"), "team", j(R"({"metadata":{"name":"b"}})"), {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(string_at(*a, "metadata.resourceVersion"), std::to_string(before + 1));
  EXPECT_EQ(string_at(*b, "metadata.resourceVersion"), std::to_string(before + 2));
  EXPECT_EQ(string_at(*a, "metadata.uid").size(), 36u);
  EXPECT_EQ(string_at(*a, "metadata.creationTimestamp"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(string_at(*b, "type"), "Opaque");
  EXPECT_EQ(find_path(*a, "metadata.generation"), nullptr);
}

TEST_F(StoreTest, ErrorsCarryKubesCodesReasonsAndMessages) {
  ASSERT_TRUE(store_.create(type("", "configmaps"), "default", cm("a"), {}));
  auto again = store_.create(type("", "configmaps"), "default", cm("a"), {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, 409);
  EXPECT_EQ(again.error().reason, "AlreadyExists");
  EXPECT_EQ(again.error().message, R"(configmaps "a" already exists)");
  auto missing = store_.get(type("", "configmaps"), "default", "nope");
  EXPECT_EQ(missing.error().message, R"(configmaps "nope" not found)");
  auto no_ns = store_.create(type("", "configmaps"), "elsewhere", cm("a"), {});
  EXPECT_EQ(no_ns.error().code, 404);
  EXPECT_EQ(no_ns.error().message, R"(namespaces "elsewhere" not found)");
  auto stale = store_.update(type("", "configmaps"), "default", "a", cm("a", R"(,"resourceVersion":"1")"), {});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, 409);
  EXPECT_EQ(stale.error().reason, "Conflict");
  EXPECT_EQ(stale.error().message,
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your "
            "changes to the latest version and try again");
  auto bad_name = store_.create(type("", "configmaps"), "default", cm("Bad_Name"), {});
  EXPECT_EQ(bad_name.error().code, 422);
  EXPECT_EQ(bad_name.error().reason, "Invalid");
  EXPECT_EQ(bad_name.error().causes.at(0).field, "metadata.name");
}

TEST_F(StoreTest, AnUpdateCarryingAnotherUidIsAConflict) {
  ASSERT_TRUE(store_.create(type("", "configmaps"), "default", cm("a"), {}));
  auto r = store_.update(type("", "configmaps"), "default", "a", cm("a", R"(,"uid":"someone-else")"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 409);
  EXPECT_NE(r.error().message.find("Precondition failed: UID in precondition: someone-else"), std::string::npos);
}

// Admission that renames what it sees, or refuses in validation.
class FakeAdmission : public Admission {
 public:
  bool rename = false;
  bool refuse = false;
  std::vector<std::string> calls;
  Result<json::object> mutate(const AdmissionRequest& request, json::object object) override {
    calls.push_back("mutate " + request.operation);
    if (rename) ensure_object(object, "metadata")["name"] = "renamed";
    else ensure_object(ensure_object(object, "metadata"), "labels")["admitted"] = "yes";
    return object;
  }
  Result<void> validate(const AdmissionRequest& request, const json::object& object) override {
    calls.push_back("validate " + request.operation + " " + string_at(object, "metadata.labels.admitted"));
    if (refuse) return ApiError{403, "Forbidden", "refused by validation"};
    return {};
  }
};

TEST_F(StoreTest, AdmissionMutatesThenValidatesAndCannotRename) {
  FakeAdmission admission;
  store_.set_admission(&admission);
  auto created = store_.create(type("", "configmaps"), "default", cm("a"), {});
  ASSERT_TRUE(created);
  EXPECT_EQ(string_at(*created, "metadata.labels.admitted"), "yes");
  EXPECT_EQ(admission.calls, (std::vector<std::string>{"mutate CREATE", "validate CREATE yes"}));
  admission.refuse = true;
  auto rv = store_.resource_version();
  EXPECT_EQ(store_.create(type("", "configmaps"), "default", cm("b"), {}).error().code, 403);
  admission.refuse = false;
  admission.rename = true;
  EXPECT_EQ(store_.create(type("", "configmaps"), "default", cm("c"), {}).error().code, 500);
  EXPECT_EQ(store_.resource_version(), rv);
  store_.set_admission(nullptr);
}

TEST_F(StoreTest, AnUnchangedUpdateDoesNotBumpTheVersion) {
  auto a = store_.create(type("", "configmaps"), "default", cm("a", R"(},"data":{"k":"v")"), {});
  ASSERT_TRUE(a);
  auto rv = store_.resource_version();
  auto same = store_.update(type("", "configmaps"), "default", "a", *a, {});
  ASSERT_TRUE(same);
  EXPECT_EQ(store_.resource_version(), rv);
  EXPECT_EQ(string_at(*same, "metadata.resourceVersion"), string_at(*a, "metadata.resourceVersion"));
  auto patched = store_.patch(type("", "configmaps"), "default", "a", PatchType::merge, boost::json::parse(R"({"data":{"k":"v"}})"), {});
  ASSERT_TRUE(patched);
  EXPECT_EQ(store_.resource_version(), rv);
}

TEST_F(StoreTest, GenerationFollowsSpecChangesButNotStatusOrMetadata) {
  const auto& t = widgets();
  auto w = store_.create(t, "default", widget("w"), {});
  ASSERT_TRUE(w);
  EXPECT_EQ(find_path(*w, "metadata.generation")->as_int64(), 1);
  EXPECT_EQ(find_path(*w, "spec.replicas")->as_int64(), 1) << "defaulted";
  auto labelled = store_.patch(t, "default", "w", PatchType::merge, boost::json::parse(R"({"metadata":{"labels":{"a":"b"}}})"), {});
  EXPECT_EQ(find_path(*labelled, "metadata.generation")->as_int64(), 1);
  WriteOptions status;
  status.status = true;
  auto st = store_.patch(t, "default", "w", PatchType::merge, boost::json::parse(R"({"status":{"phase":"Ready"},"spec":{"size":"large"}})"), status);
  ASSERT_TRUE(st);
  EXPECT_EQ(find_path(*st, "metadata.generation")->as_int64(), 1);
  EXPECT_EQ(string_at(*st, "spec.size"), "small") << "the status subresource changes only status";
  auto ignored = store_.patch(t, "default", "w", PatchType::merge, boost::json::parse(R"({"status":{"phase":"Other"}})"), {});
  EXPECT_EQ(string_at(*ignored, "status.phase"), "Ready") << "the main endpoint ignores status";
  auto spec = store_.patch(t, "default", "w", PatchType::merge, boost::json::parse(R"({"spec":{"size":"large"}})"), {});
  EXPECT_EQ(find_path(*spec, "metadata.generation")->as_int64(), 2);
}

TEST_F(StoreTest, FinalizersHoldADeletionUntilTheLastOneIsRemoved) {
  const auto& t = type("", "configmaps");
  ASSERT_TRUE(store_.create(t, "default", cm("held", R"(,"finalizers":["example.test/x"])"), {}));
  auto deleted = store_.remove(t, "default", "held", {});
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->deleted);
  EXPECT_FALSE(string_at(deleted->object, "metadata.deletionTimestamp").empty());
  EXPECT_EQ(find_path(deleted->object, "metadata.deletionGracePeriodSeconds")->as_int64(), 0);
  auto more = store_.patch(t, "default", "held", PatchType::merge,
                           boost::json::parse(R"({"metadata":{"finalizers":["example.test/x","example.test/y"]}})"), {});
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, 422);
  ASSERT_TRUE(store_.patch(t, "default", "held", PatchType::json, boost::json::parse(R"([{"op":"remove","path":"/metadata/finalizers"}])"), {}));
  EXPECT_FALSE(store_.get(t, "default", "held"));
}

TEST_F(StoreTest, DeletePreconditionsAreChecked) {
  const auto& t = type("", "configmaps");
  auto a = store_.create(t, "default", cm("a"), {});
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  auto r = store_.remove(t, "default", "a", wrong_uid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 409);
  DeleteOptions right;
  right.precondition_uid = string_at(*a, "metadata.uid");
  right.precondition_resource_version = string_at(*a, "metadata.resourceVersion");
  EXPECT_TRUE(store_.remove(t, "default", "a", right));
}

class GarbageCollection : public StoreTest {
 protected:
  std::string owner_uid_;
  void SetUp() override {
    auto owner = store_.create(type("", "configmaps"), "default", cm("owner"), {});
    owner_uid_ = string_at(*owner, "metadata.uid");
    for (const char* name : {"dep1", "dep2"}) {
      std::string refs = R"(,"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":")" + owner_uid_ +
                         R"(","blockOwnerDeletion":true}])";
      ASSERT_TRUE(store_.create(type("", "secrets"), "default", j(R"({"metadata":{"name":")" + std::string(name) + "\"" + refs + "}}"), {}));
    }
  }
  bool exists(const std::string& resource, const std::string& name) {
    return static_cast<bool>(store_.get(type("", resource), "default", name));
  }
};

TEST_F(GarbageCollection, BackgroundDeletionCollectsDependents) {
  ASSERT_TRUE(store_.remove(type("", "configmaps"), "default", "owner", {}));
  EXPECT_FALSE(exists("configmaps", "owner"));
  EXPECT_FALSE(exists("secrets", "dep1"));
  EXPECT_FALSE(exists("secrets", "dep2"));
}

TEST_F(GarbageCollection, OrphanDeletionKeepsDependentsWithoutTheReference) {
  DeleteOptions orphan;
  orphan.propagation = Propagation::orphan;
  ASSERT_TRUE(store_.remove(type("", "configmaps"), "default", "owner", orphan));
  EXPECT_FALSE(exists("configmaps", "owner"));
  auto dep = store_.get(type("", "secrets"), "default", "dep1");
  ASSERT_TRUE(dep);
  EXPECT_EQ(find_path(*dep, "metadata.ownerReferences"), nullptr);
}

TEST_F(GarbageCollection, ForegroundDeletionWaitsForBlockingDependents) {
  const auto& secrets = type("", "secrets");
  ASSERT_TRUE(store_.patch(secrets, "default", "dep1", PatchType::merge, boost::json::parse(R"({"metadata":{"finalizers":["x/hold"]}})"), {}));
  DeleteOptions foreground;
  foreground.propagation = Propagation::foreground;
  auto r = store_.remove(type("", "configmaps"), "default", "owner", foreground);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->deleted);
  auto owner = store_.get(type("", "configmaps"), "default", "owner");
  ASSERT_TRUE(owner);
  EXPECT_EQ(to_json(*find_path(*owner, "metadata.finalizers")), R"(["foregroundDeletion"])");
  EXPECT_FALSE(exists("secrets", "dep2"));
  EXPECT_TRUE(exists("secrets", "dep1")) << "held by its own finalizer";
  ASSERT_TRUE(store_.patch(secrets, "default", "dep1", PatchType::merge, boost::json::parse(R"({"metadata":{"finalizers":null}})"), {}));
  EXPECT_FALSE(exists("secrets", "dep1"));
  EXPECT_FALSE(exists("configmaps", "owner"));
}

TEST_F(StoreTest, DeletingANamespaceDeletesItsContents) {
  ASSERT_TRUE(store_.create(type("", "configmaps"), "team", cm("a"), {}));
  ASSERT_TRUE(store_.create(type("", "configmaps"), "team", cm("held", R"(,"finalizers":["x/y"])"), {}));
  auto r = store_.remove(type("", "namespaces"), "", "team", {});
  ASSERT_TRUE(r);
  auto ns = store_.get(type("", "namespaces"), "", "team");
  ASSERT_TRUE(ns) << "kept while an object with a finalizer remains";
  EXPECT_EQ(string_at(*ns, "status.phase"), "Terminating");
  auto refused = store_.create(type("", "configmaps"), "team", cm("new"), {});
  EXPECT_EQ(refused.error().code, 403);
  EXPECT_FALSE(store_.get(type("", "configmaps"), "team", "a"));
  ASSERT_TRUE(store_.patch(type("", "configmaps"), "team", "held", PatchType::merge, boost::json::parse(R"({"metadata":{"finalizers":null}})"), {}));
  EXPECT_FALSE(store_.get(type("", "namespaces"), "", "team"));
}

TEST_F(StoreTest, WatchReplaysFromHistoryAndExpiresBeyondIt) {
  const auto& t = type("", "configmaps");
  auto start = std::to_string(store_.resource_version());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_.create(t, "default", cm("c" + std::to_string(i)), {}));
  std::vector<std::string> seen;
  auto id = store_.watch({t.collection_key(), "default", {}, {}, &t}, start,
                         [&](const std::string& type, const ObjectPtr& o) { seen.push_back(type + " " + string_at(*o, "metadata.name")); });
  ASSERT_TRUE(id);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED c0", "ADDED c1", "ADDED c2"}));
  ASSERT_TRUE(store_.remove(t, "default", "c1", {}));
  EXPECT_EQ(seen.back(), "DELETED c1");
  store_.unwatch(*id);
  for (int i = 3; i < 12; ++i) ASSERT_TRUE(store_.create(t, "default", cm("c" + std::to_string(i)), {}));
  auto expired = store_.watch({t.collection_key(), "default", {}, {}, &t}, start, [](const std::string&, const ObjectPtr&) {});
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, 410);
  EXPECT_EQ(expired.error().reason, "Expired");
  EXPECT_TRUE(expired.error().message.starts_with("too old resource version: " + start));
}

TEST_F(StoreTest, ALabelFilteredWatchSeesObjectsEnterAndLeave) {
  const auto& t = type("", "configmaps");
  ASSERT_TRUE(store_.create(t, "default", cm("a", R"(,"labels":{"app":"x"})"), {}));
  std::vector<std::string> seen;
  auto selector = LabelSelector::parse("app=x");
  auto id = store_.watch({t.collection_key(), "", *selector, {}, &t}, "",
                         [&](const std::string& type, const ObjectPtr& o) { seen.push_back(type + " " + string_at(*o, "metadata.name")); });
  ASSERT_TRUE(id);
  ASSERT_TRUE(store_.patch(t, "default", "a", PatchType::merge, boost::json::parse(R"({"metadata":{"labels":{"app":"y"}}})"), {}));
  ASSERT_TRUE(store_.patch(t, "default", "a", PatchType::merge, boost::json::parse(R"({"metadata":{"labels":{"app":"x"}}})"), {}));
  ASSERT_TRUE(store_.patch(t, "default", "a", PatchType::merge, boost::json::parse(R"({"data":{"k":"v"}})"), {}));
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED a", "DELETED a", "ADDED a", "MODIFIED a"}));
  store_.unwatch(*id);
}

TEST_F(StoreTest, DryRunValidatesButStoresNothing) {
  const auto& t = type("", "configmaps");
  auto rv = store_.resource_version();
  WriteOptions dry;
  dry.dry_run = true;
  auto created = store_.create(t, "default", cm("dry"), dry);
  ASSERT_TRUE(created);
  EXPECT_EQ(string_at(*created, "metadata.name"), "dry");
  EXPECT_FALSE(store_.get(t, "default", "dry"));
  EXPECT_EQ(store_.create(t, "default", cm("Bad_Name"), dry).error().code, 422);
  EXPECT_EQ(store_.resource_version(), rv);
}

TEST_F(StoreTest, BadInputChangesNothing) {
  const auto& secrets = type("", "secrets");
  auto rv = store_.resource_version();
  auto wrong_kind = store_.create(secrets, "default", cm("x"), {});
  EXPECT_EQ(wrong_kind.error().code, 400);
  auto bad_base64 = store_.create(secrets, "default", j(R"({"metadata":{"name":"s"},"data":{"k":"not base64!"}})"), {});
  EXPECT_EQ(bad_base64.error().code, 400);
  auto wrong_version = store_.create(secrets, "default", j(R"({"apiVersion":"v2","metadata":{"name":"s"}})"), {});
  EXPECT_EQ(wrong_version.error().code, 400);
  const auto& t = widgets();
  rv = store_.resource_version();
  auto invalid = store_.create(t, "default", widget("w", "huge"), {});
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().message,
            R"(Widget.example.test "w" is invalid: spec.size: Unsupported value: "huge": supported values: "small", "large")");
  WriteOptions strict;
  strict.field_validation = FieldValidation::strict;
  auto unknown = store_.create(t, "default", j(R"({"apiVersion":"example.test/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small","foo":1}})"), strict);
  EXPECT_EQ(unknown.error().code, 400);
  EXPECT_NE(unknown.error().message.find(R"(strict decoding error: unknown field "spec.foo")"), std::string::npos);
  EXPECT_EQ(store_.resource_version(), rv);
}

TEST_F(StoreTest, SecretsMergeStringDataAndSelectByType) {
  const auto& t = type("", "secrets");
  auto s = store_.create(t, "default", j(R"({"metadata":{"name":"s"},"data":{"a":"YQ=="},"stringData":{"b":"bee"}})"), {});
  ASSERT_TRUE(s);
  EXPECT_EQ(to_json(*s->if_contains("data")), R"({"a":"YQ==","b":"YmVl"})");
  EXPECT_EQ(s->if_contains("stringData"), nullptr);
  ASSERT_TRUE(store_.create(t, "default", j(R"({"metadata":{"name":"tls"},"type":"kubernetes.io/tls"})"), {}));
  ListOptions options;
  options.field_selector = "type=Opaque";
  auto listed = store_.list(t, "default", options);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->items.size(), 1u);
  options.field_selector = "data.a=x";
  EXPECT_EQ(store_.list(t, "default", options).error().code, 400);
  auto retyped = store_.patch(t, "default", "s", PatchType::merge, boost::json::parse(R"({"type":"Other"})"), {});
  EXPECT_EQ(retyped.error().code, 422);
}

TEST_F(StoreTest, ListPaginatesWithContinueTokens) {
  const auto& t = type("", "configmaps");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_.create(t, "default", cm("c" + std::to_string(i)), {}));
  ListOptions options;
  options.limit = 2;
  std::vector<std::string> names;
  int pages = 0;
  while (true) {
    auto page = store_.list(t, "default", options);
    ASSERT_TRUE(page);
    ++pages;
    for (const auto& o : page->items) names.push_back(string_at(*o, "metadata.name"));
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));
  options.continue_token = "garbage";
  EXPECT_EQ(store_.list(t, "default", options).error().code, 400);
}

TEST_F(StoreTest, DeletingACrdStopsServingItAndDeletesItsObjects) {
  const auto& t = widgets();
  ASSERT_TRUE(store_.create(t, "default", widget("w"), {}));
  ASSERT_TRUE(store_.remove(type("apiextensions.k8s.io", "customresourcedefinitions"), "", "widgets.example.test", {}));
  EXPECT_EQ(registry_.find("example.test", "v1", "widgets"), nullptr);
  EXPECT_TRUE(store_.all_of("example.test/widgets").empty());
}

TEST_F(StoreTest, ASnapshotRestoresObjectsAndTheVersionCounter) {
  const auto& t = widgets();
  ASSERT_TRUE(store_.create(t, "default", widget("w"), {}));
  auto snapshot = store_.snapshot();
  auto rv = store_.resource_version();
  Registry other_registry;
  Store other(other_registry, 8, [this] { return now_; });
  ASSERT_TRUE(other.restore(snapshot));
  EXPECT_EQ(other.resource_version(), rv);
  const auto* restored_type = other_registry.find("example.test", "v1", "widgets");
  ASSERT_NE(restored_type, nullptr);
  EXPECT_TRUE(other.get(*restored_type, "default", "w"));
  auto old_watch = other.watch({restored_type->collection_key(), "", {}, {}, restored_type}, "1",
                               [](const std::string&, const ObjectPtr&) {});
  EXPECT_EQ(old_watch.error().code, 410);
  EXPECT_TRUE(other.watch({restored_type->collection_key(), "", {}, {}, restored_type}, std::to_string(rv),
                          [](const std::string&, const ObjectPtr&) {}));
}

}  // namespace
}  // namespace dragops::apiserver
