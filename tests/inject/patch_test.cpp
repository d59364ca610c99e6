#include "inject/patch.hpp"

#include "json_patch.hpp"

#include <gtest/gtest.h>

namespace dragops::inject {
namespace {

namespace json = boost::json;

json::object pod_with(json::object annotations, json::object spec = {}) {
  if (!spec.contains("containers")) spec["containers"] = json::array{{{"name", "app"}, {"image", "busybox"}}};
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", {{"name", "run-1"}, {"namespace", "team-a"}, {"annotations", std::move(annotations)}}},
                      {"spec", std::move(spec)}};
}

json::object annotated(json::object extra = {}) {
  json::object a{{"dragops.io/inject", "true"}, {"dragops.io/connections", "github,jira"},
                 {"dragops.io/secrets", "db-password"}, {"dragops.io/environment", "production"}};
  for (auto& kv : extra) a[kv.key()] = kv.value();
  return a;
}

// Applies the decision's patch to the pod; fails the test if it does not apply.
json::object patched(const json::object& pod, const PatchDecision& decision) {
  json::value document = pod;
  auto error = testing::apply_json_patch(document, decision.patch);
  EXPECT_FALSE(error) << *error;
  return document.as_object();
}

const json::object* find_named(const json::value& list, std::string_view name) {
  for (const auto& item : list.as_array()) {
    if (item.as_object().at("name").as_string() == name) return &item.as_object();
  }
  return nullptr;
}

std::string env_of(const json::object& container, std::string_view name) {
  const json::object* entry = find_named(container.at("env"), name);
  return entry && entry->contains("value") ? std::string(entry->at("value").as_string()) : std::string("<absent>");
}

TEST(BuildPatch, LeavesAPodWithoutTheAnnotationUntouched) {
  auto decision = build_patch(pod_with({}), {});
  EXPECT_EQ(decision.action, PatchDecision::Action::skip);
  EXPECT_TRUE(decision.patch.empty());
  EXPECT_EQ(build_patch(pod_with({{"dragops.io/inject", "false"}, {"dragops.io/connections", "x"}}), {}).action,
            PatchDecision::Action::skip);
  json::object no_metadata{{"spec", {{"containers", json::array{}}}}};
  EXPECT_EQ(build_patch(no_metadata, {}).action, PatchDecision::Action::skip);
}

TEST(BuildPatch, InjectsTheNativeSidecarWithItsVolumesAndEnv) {
  auto pod = pod_with(annotated());
  auto decision = build_patch(pod, {});
  ASSERT_EQ(decision.action, PatchDecision::Action::patch) << decision.message;
  auto result = patched(pod, decision);
  const auto& spec = result.at("spec").as_object();
  const auto& sidecar = spec.at("initContainers").as_array().at(0).as_object();
  EXPECT_EQ(sidecar.at("name"), "dragops-sidecar");
  EXPECT_EQ(sidecar.at("restartPolicy"), "Always");
  EXPECT_EQ(sidecar.at("image"), "dragops/dragops-sidecar:0.1.0");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_CONNECTIONS"), "github,jira");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_SECRETS"), "db-password");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_ENVIRONMENT"), "production");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_KEY_DIR"), "/var/run/dragops-keys");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_TOKEN_FILE"), "/var/run/dragops/token");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_LISTEN"), "127.0.0.1:8900,[::1]:8900");
  EXPECT_EQ(env_of(sidecar, "DRAGOPS_HEALTH_LISTEN"), "0.0.0.0:8901");
  EXPECT_EQ(find_named(sidecar.at("env"), "DRAGOPS_POD_NAME")->at("valueFrom").at("fieldRef").at("fieldPath"),
            "metadata.name");
  EXPECT_EQ(find_named(sidecar.at("env"), "DRAGOPS_POD_NAMESPACE")->at("valueFrom").at("fieldRef").at("fieldPath"),
            "metadata.namespace");
  const auto& sc = sidecar.at("securityContext").as_object();
  EXPECT_EQ(sc.at("runAsNonRoot"), true);
  EXPECT_EQ(sc.at("runAsUser"), 65532);
  EXPECT_EQ(sc.at("readOnlyRootFilesystem"), true);
  EXPECT_EQ(sc.at("allowPrivilegeEscalation"), false);
  EXPECT_EQ(sc.at("capabilities").at("drop").at(0), "ALL");
  EXPECT_EQ(sc.at("seccompProfile").at("type"), "RuntimeDefault");
  for (auto probe : {"startupProbe", "readinessProbe", "livenessProbe"}) {
    EXPECT_EQ(sidecar.at(probe).at("httpGet").at("port"), 8901) << probe;
  }
  EXPECT_EQ(sidecar.at("resources").at("requests").at("memory"), "16Mi");
  EXPECT_EQ(sidecar.at("resources").at("limits").at("memory"), "32Mi");
  EXPECT_NE(find_named(sidecar.at("volumeMounts"), "dragops-keys"), nullptr);

  const json::object* keys = find_named(spec.at("volumes"), "dragops-keys");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->at("secret").at("secretName"), "dragops-data-keys");
  const json::object* token = find_named(spec.at("volumes"), "dragops-token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->at("emptyDir").at("medium"), "Memory");

  const auto& app = spec.at("containers").as_array().at(0).as_object();
  EXPECT_EQ(env_of(app, "DRAGOPS_URL"), "http://127.0.0.1:8900");
  EXPECT_EQ(env_of(app, "DRAGOPS_TOKEN_FILE"), "/var/run/dragops/token");
  const json::object* mount = find_named(app.at("volumeMounts"), "dragops-token");
  ASSERT_NE(mount, nullptr);
  EXPECT_EQ(mount->at("readOnly"), true);
  EXPECT_EQ(find_named(app.at("volumeMounts"), "dragops-keys"), nullptr) << "key volume must stay in the sidecar";
  EXPECT_EQ(result.at("metadata").at("annotations").at("dragops.io/injected"), "true");
  // The label the operator selects injected pods by (it grants the sidecar's reads from them).
  EXPECT_EQ(result.at("metadata").at("labels"), (json::object{{"dragops.io/injected", "true"}}));
}

TEST(BuildPatch, AddsTheInjectedLabelNextToTheLabelsThePodHas) {
  auto pod = pod_with(annotated());
  pod["metadata"].as_object()["labels"] = json::object{{"app", "runner"}, {"dragops.io/injected", "false"}};
  auto result = patched(pod, build_patch(pod, {}));
  EXPECT_EQ(result.at("metadata").at("labels"), (json::object{{"app", "runner"}, {"dragops.io/injected", "true"}}));
  pod["metadata"].as_object()["labels"] = nullptr;
  result = patched(pod, build_patch(pod, {}));
  EXPECT_EQ(result.at("metadata").at("labels"), (json::object{{"dragops.io/injected", "true"}}));
}

TEST(BuildPatch, IsIdempotent) {
  auto pod = pod_with(annotated());
  auto once = patched(pod, build_patch(pod, {}));
  auto again = build_patch(once, {});
  EXPECT_EQ(again.action, PatchDecision::Action::skip);
  EXPECT_TRUE(again.patch.empty());
}

TEST(BuildPatch, DeniesADragopsSidecarInitContainerThatTheWebhookDidNotInject) {
  auto pod = pod_with(annotated());
  auto once = patched(pod, build_patch(pod, {}));
  // The sidecar without the marker: the user wrote it (or stripped the marker); not ours.
  auto unmarked = once;
  unmarked["metadata"].as_object()["annotations"].as_object().erase("dragops.io/injected");
  auto decision = build_patch(unmarked, {});
  EXPECT_EQ(decision.action, PatchDecision::Action::deny);
  EXPECT_NE(decision.message.find("an init container is already named dragops-sidecar"), std::string::npos) << decision.message;
  // A user's own dragops-sidecar init container in a fresh pod.
  auto own = build_patch(
      pod_with(annotated(), {{"initContainers", json::array{{{"name", "dragops-sidecar"}, {"image", "evil"}}}}}), {});
  EXPECT_EQ(own.action, PatchDecision::Action::deny);
  EXPECT_NE(own.message.find("reserved for the injected sidecar"), std::string::npos) << own.message;
  // The marker without the sidecar, or with two of them.
  auto marker_only = build_patch(pod_with(annotated({{"dragops.io/injected", "true"}})), {});
  EXPECT_EQ(marker_only.action, PatchDecision::Action::deny);
  EXPECT_NE(marker_only.message.find("set by the webhook only"), std::string::npos) << marker_only.message;
  auto twice = once;
  auto& init = twice["spec"].as_object()["initContainers"].as_array();
  init.push_back(init.at(0));
  EXPECT_EQ(build_patch(twice, {}).action, PatchDecision::Action::deny);
}

TEST(BuildPatch, DeniesAnyOtherContainerThatMountsTheKeyVolume) {
  json::array key_mount{{{"name", "dragops-keys"}, {"mountPath", "/keys"}}};
  struct Case {
    std::string_view field, kind;
  };
  for (Case c : {Case{"containers", "container"}, Case{"initContainers", "init container"},
                 Case{"ephemeralContainers", "ephemeral container"}}) {
    json::object spec{{std::string(c.field), json::array{{{"name", "thief"}, {"image", "busybox"}, {"volumeMounts", key_mount}}}}};
    auto decision = build_patch(pod_with(annotated(), spec), {});
    EXPECT_EQ(decision.action, PatchDecision::Action::deny) << c.field;
    EXPECT_NE(decision.message.find(std::string(c.kind) + " \"thief\" mounts the volume dragops-keys"), std::string::npos)
        << decision.message;
  }
  // Also in a pod injected before (the sidecar itself is the one container allowed the keys).
  auto pod = pod_with(annotated());
  auto once = patched(pod, build_patch(pod, {}));
  EXPECT_EQ(build_patch(once, {}).action, PatchDecision::Action::skip);
  once["spec"].as_object()["containers"].as_array().at(0).as_object()["volumeMounts"] = key_mount;
  EXPECT_EQ(build_patch(once, {}).action, PatchDecision::Action::deny);
}

TEST(BuildPatch, DeniesHostNetworkPods) {
  auto decision = build_patch(pod_with(annotated(), {{"hostNetwork", true}}), {});
  EXPECT_EQ(decision.action, PatchDecision::Action::deny);
  EXPECT_NE(decision.message.find("hostNetwork: true is not allowed"), std::string::npos) << decision.message;
  EXPECT_EQ(build_patch(pod_with(annotated(), {{"hostNetwork", false}}), {}).action, PatchDecision::Action::patch);
  // Unannotated host-network pods are not the webhook's business.
  EXPECT_EQ(build_patch(pod_with({}, {{"hostNetwork", true}}), {}).action, PatchDecision::Action::skip);
}

TEST(BuildPatch, AddsEnvToEveryContainerAndKeepsExistingEnvAndMounts) {
  json::object spec{{"containers", json::array{{{"name", "a"}, {"env", json::array{{{"name", "X"}, {"value", "1"}}}}},
                                               {{"name", "b"}, {"volumeMounts", json::array{{{"name", "data"}, {"mountPath", "/data"}}}}},
                                               {{"name", "c"}}}},
                    {"volumes", json::array{{{"name", "data"}, {"emptyDir", json::object{}}}}},
                    {"serviceAccountName", "runner"}};
  auto pod = pod_with(annotated(), spec);
  auto decision = build_patch(pod, {});
  ASSERT_EQ(decision.action, PatchDecision::Action::patch);
  auto result = patched(pod, decision);
  const auto& containers = result.at("spec").at("containers").as_array();
  for (const auto& c : containers) {
    EXPECT_EQ(env_of(c.as_object(), "DRAGOPS_URL"), "http://127.0.0.1:8900") << c;
    EXPECT_NE(find_named(c.at("volumeMounts"), "dragops-token"), nullptr) << c;
  }
  EXPECT_EQ(env_of(containers.at(0).as_object(), "X"), "1");
  EXPECT_NE(find_named(containers.at(1).at("volumeMounts"), "data"), nullptr);
  EXPECT_EQ(result.at("spec").at("volumes").as_array().size(), 3u);
}

TEST(BuildPatch, PutsTheSidecarBeforeExistingInitContainersAndGivesThemTheEnv) {
  json::object spec{{"initContainers", json::array{{{"name", "migrate"}}, {{"name", "seed"}, {"env", json::array{}}}}}};
  auto pod = pod_with(annotated(), spec);
  auto decision = build_patch(pod, {});
  ASSERT_EQ(decision.action, PatchDecision::Action::patch);
  auto result = patched(pod, decision);
  const auto& init = result.at("spec").at("initContainers").as_array();
  ASSERT_EQ(init.size(), 3u);
  EXPECT_EQ(init[0].at("name"), "dragops-sidecar");
  EXPECT_EQ(init[1].at("name"), "migrate");
  EXPECT_EQ(init[2].at("name"), "seed");
  EXPECT_EQ(env_of(init[1].as_object(), "DRAGOPS_URL"), "http://127.0.0.1:8900");
  EXPECT_EQ(env_of(init[2].as_object(), "DRAGOPS_TOKEN_FILE"), "/var/run/dragops/token");
  EXPECT_EQ(find_named(init[0].at("env"), "DRAGOPS_URL"), nullptr);
}

TEST(BuildPatch, UsesTheConfiguredImageAndResources) {
  InjectOptions options;
  options.sidecar_image = "registry.local/sidecar:dev";
  options.memory_limit = "24Mi";
  auto pod = pod_with(annotated());
  auto result = patched(pod, build_patch(pod, options));
  const auto& sidecar = result.at("spec").at("initContainers").at(0).as_object();
  EXPECT_EQ(sidecar.at("image"), "registry.local/sidecar:dev");
  EXPECT_EQ(sidecar.at("resources").at("limits").at("memory"), "24Mi");
}

struct DenyCase {
  const char* title;
  json::object annotations;
  json::object spec;
  const char* message_part;
};

TEST(BuildPatch, DeniesWhatItCannotInjectSafelyAndSaysWhy) {
  const std::vector<DenyCase> cases = {
      {"bad inject value", {{"dragops.io/inject", "yes"}, {"dragops.io/connections", "a"}}, {}, "\"true\" or \"false\""},
      {"nothing listed", {{"dragops.io/inject", "true"}}, {}, "neither"},
      {"empty entry", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "a,,b"}}, {}, "empty entry"},
      {"trailing comma", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "a,"}}, {}, "empty entry"},
      {"upper case", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "GitHub"}}, {}, "\"GitHub\" is not a valid name"},
      {"underscore", {{"dragops.io/inject", "true"}, {"dragops.io/secrets", "db_pw"}, {"dragops.io/environment", "prod"}},
       {}, "\"db_pw\""},
      {"duplicate", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "a, b, a"}}, {}, "listed twice"},
      {"secrets without environment", {{"dragops.io/inject", "true"}, {"dragops.io/secrets", "db"}}, {}, "dragops.io/environment"},
      {"environment not a label",
       {{"dragops.io/inject", "true"}, {"dragops.io/secrets", "db"}, {"dragops.io/environment", "prod.eu"}}, {}, "prod.eu"},
      {"volume taken", annotated(), {{"volumes", json::array{{{"name", "dragops-token"}, {"emptyDir", json::object{}}}}}},
       "volume named dragops-token"},
      {"env taken", annotated(),
       {{"containers", json::array{{{"name", "app"}, {"env", json::array{{{"name", "DRAGOPS_URL"}, {"value", "x"}}}}}}}},
       "already sets DRAGOPS_URL"},
      {"mount path taken", annotated(),
       {{"containers", json::array{{{"name", "app"}, {"volumeMounts", json::array{{{"name", "x"}, {"mountPath", "/var/run/dragops"}}}}}}}},
       "/var/run/dragops"},
      {"container name taken", annotated(), {{"containers", json::array{{{"name", "dragops-sidecar"}}}}}, "reserved"},
      {"no service account token", annotated(), {{"automountServiceAccountToken", false}}, "automountServiceAccountToken"},
  };
  for (const auto& c : cases) {
    auto decision = build_patch(pod_with(c.annotations, c.spec), {});
    EXPECT_EQ(decision.action, PatchDecision::Action::deny) << c.title;
    EXPECT_NE(decision.message.find(c.message_part), std::string::npos) << c.title << ": " << decision.message;
    EXPECT_TRUE(decision.patch.empty()) << c.title;
  }
}

TEST(BuildPatch, AcceptsSpacesAroundNamesAndAnEnvironmentWithoutSecrets) {
  auto pod = pod_with({{"dragops.io/inject", "true"}, {"dragops.io/connections", " github , jira "},
                       {"dragops.io/environment", "dev"}});
  auto decision = build_patch(pod, {});
  ASSERT_EQ(decision.action, PatchDecision::Action::patch) << decision.message;
  auto result = patched(pod, decision);
  EXPECT_EQ(env_of(result.at("spec").at("initContainers").at(0).as_object(), "DRAGOPS_CONNECTIONS"), "github,jira");
}

TEST(EscapePointerToken, EscapesSlashAndTilde) {
  EXPECT_EQ(escape_pointer_token("dragops.io/injected"), "dragops.io~1injected");
  EXPECT_EQ(escape_pointer_token("a~b"), "a~0b");
}

}  // namespace
}  // namespace dragops::inject
