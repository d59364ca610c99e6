// The resource endpoints of the handler: get, list, watch plans, create, update, patch,
// delete and deletecollection, with dry run, field validation and rendering (object, Table,
// PartialObjectMetadata).
#include "apiserver/handler.hpp"

#include "apiserver/handler_detail.hpp"
#include "apiserver/json_util.hpp"
#include "apiserver/table.hpp"

#include <boost/json/array.hpp>

namespace dragops::apiserver {

using namespace detail;

Result<Outcome> Handler::serve_resource(const HttpRequest& request, const Route& r) {
  const ResourceType* type = registry_.find(r.group, r.version, r.resource);
  if (type == nullptr) return ApiError{404, "NotFound", "the server could not find the requested resource"};
  if (!r.subresource.empty() && !(r.subresource == "status" && type->status_subresource))
    return ApiError{404, "NotFound", "the server could not find the requested resource"};
  if (!type->namespaced && !r.ns.empty())
    return ApiError{404, "NotFound", "the server could not find the requested resource"};
  auto q = [&](const std::string& key) {
    auto it = r.query.find(key);
    return it == r.query.end() ? std::string() : it->second;
  };
  std::string dry_run_value = q("dryRun");
  if (!dry_run_value.empty() && dry_run_value != "All")
    return errors::bad_request("Invalid dry run value \"" + dry_run_value + "\": supported values: \"All\"");
  bool dry_run = dry_run_value == "All";
  WriteOptions write;
  write.dry_run = dry_run;
  write.status = r.subresource == "status";
  std::string validation = q("fieldValidation");
  if (validation == "Strict") write.field_validation = FieldValidation::strict;
  else if (validation == "Ignore") write.field_validation = FieldValidation::ignore;
  else if (validation.empty() || validation == "Warn") write.field_validation = FieldValidation::warn;
  else return errors::bad_request("fieldValidation parameter unsupported: " + validation);
  std::vector<std::string> warnings;
  write.warnings = &warnings;
  auto now = std::chrono::system_clock::now();

  auto render = [&](const json::object& obj, int status) {
    HttpResponse resp;
    resp.status = status;
    if (r.rendering == Rendering::table) {
      auto table = to_table(*type, {std::make_shared<const json::object>(obj)}, r.include_object, now);
      resp.body = to_json(table);
    } else if (r.rendering == Rendering::partial_metadata) {
      resp.body = to_json(json::object{{"kind", "PartialObjectMetadata"},
                                       {"apiVersion", "meta.k8s.io/v1"},
                                       {"metadata", object_or_empty(obj, "metadata")}});
    } else {
      resp.body = to_json(with_version(*type, obj));
    }
    for (const auto& w : warnings) resp.headers.emplace_back("Warning", warning_header(w));
    return Outcome{resp, std::nullopt};
  };

  auto decode_object = [&]() -> Result<json::object> {
    auto body = decode_body(request.header("content-type"), request.body);
    if (!body) return body.error();
    if (!body->is_object()) return errors::bad_request("the body of the request must be a JSON object");
    return std::move(body->get_object());
  };

  const std::string& method = request.method;
  bool watching = r.watch_path || q("watch") == "true" || q("watch") == "1";
  if (method == "GET" && watching) {
    WatchPlan plan;
    plan.spec.collection = type->collection_key();
    plan.spec.ns = type->namespaced ? r.ns : "";
    auto labels = LabelSelector::parse(q("labelSelector"));
    if (!labels) return labels.error();
    std::string field_text = q("fieldSelector");
    if (!r.name.empty()) field_text = field_text.empty() ? "metadata.name=" + r.name : field_text + ",metadata.name=" + r.name;
    auto fields = FieldSelector::parse(field_text);
    if (!fields) return fields.error();
    plan.spec.labels = std::move(*labels);
    plan.spec.fields = std::move(*fields);
    plan.spec.type = type;
    plan.resource_version = q("resourceVersion");
    plan.timeout_seconds = q("timeoutSeconds").empty() ? 0 : std::atoi(q("timeoutSeconds").c_str());
    plan.bookmarks = q("allowWatchBookmarks") == "true" || q("allowWatchBookmarks") == "1";
    plan.rendering = r.rendering;
    plan.include_object = r.include_object;
    plan.api_version = type->api_version();
    plan.kind = type->kind;
    plan.type = type;
    HttpResponse resp;
    resp.content_type = "application/json;stream=watch";
    return Outcome{resp, std::move(plan)};
  }
  if (method == "GET" && r.name.empty()) {
    ListOptions options;
    options.label_selector = q("labelSelector");
    options.field_selector = q("fieldSelector");
    options.limit = q("limit").empty() ? 0 : std::atoll(q("limit").c_str());
    options.continue_token = q("continue");
    options.resource_version = q("resourceVersion");
    auto listed = store_.list(*type, type->namespaced ? r.ns : "", options);
    if (!listed) return listed.error();
    json::object meta{{"resourceVersion", std::to_string(listed->resource_version)}};
    if (!listed->continue_token.empty()) {
      meta["continue"] = listed->continue_token;
      meta["remainingItemCount"] = listed->remaining;
    }
    HttpResponse resp;
    if (r.rendering == Rendering::table) {
      auto table = to_table(*type, listed->items, r.include_object, now);
      table["metadata"] = std::move(meta);
      resp.body = to_json(table);
    } else if (r.rendering == Rendering::partial_metadata) {
      json::array items;
      for (const auto& item : listed->items)
        items.push_back(json::object{{"kind", "PartialObjectMetadata"},
                                     {"apiVersion", "meta.k8s.io/v1"},
                                     {"metadata", object_or_empty(*item, "metadata")}});
      resp.body = to_json(json::object{{"kind", "PartialObjectMetadataList"},
                                       {"apiVersion", "meta.k8s.io/v1"},
                                       {"metadata", std::move(meta)},
                                       {"items", std::move(items)}});
    } else {
      json::array items;
      for (const auto& item : listed->items) items.push_back(with_version(*type, *item));
      resp.body = to_json(json::object{{"kind", type->list_kind},
                                       {"apiVersion", type->api_version()},
                                       {"metadata", std::move(meta)},
                                       {"items", std::move(items)}});
    }
    return Outcome{resp, std::nullopt};
  }
  if (method == "GET") {
    auto obj = store_.get(*type, r.ns, r.name);
    if (!obj) return obj.error();
    return render(*obj, 200);
  }
  if (method == "POST") {
    if (!r.name.empty() || !r.subresource.empty())
      return errors::method_not_allowed("the server does not allow this method on the requested resource");
    if (type->namespaced && r.ns.empty())
      return ApiError{404, "NotFound", "the server could not find the requested resource"};
    auto body = decode_object();
    if (!body) return body.error();
    if (type->custom) {
      auto crd = store_.find("apiextensions.k8s.io/customresourcedefinitions", "", type->crd_name);
      if (crd != nullptr && find_path(*crd, "metadata.deletionTimestamp") != nullptr)
        return errors::method_not_allowed("create not allowed while custom resource definition is terminating");
    }
    auto created = store_.create(*type, r.ns, std::move(*body), write);
    if (!created) return created.error();
    return render(*created, 201);
  }
  if (method == "PUT") {
    if (r.name.empty()) return errors::method_not_allowed("the server does not allow this method on the requested resource");
    auto body = decode_object();
    if (!body) return body.error();
    auto updated = store_.update(*type, r.ns, r.name, std::move(*body), write);
    if (!updated) return updated.error();
    return render(*updated, 200);
  }
  if (method == "PATCH") {
    if (r.name.empty()) return errors::method_not_allowed("the server does not allow this method on the requested resource");
    std::string content_type = base_type(request.header("content-type"));
    auto body = decode_body(content_type, request.body);
    if (content_type == "application/merge-patch+json" || content_type == "application/json-patch+json" ||
        content_type == "application/strategic-merge-patch+json" || content_type == "application/apply-patch+yaml") {
      if (!body) return body.error();
    } else {
      return ApiError{415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted media types include: "
                      "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"};
    }
    PatchType patch_type = PatchType::merge;
    if (content_type == "application/json-patch+json") patch_type = PatchType::json;
    if (content_type == "application/strategic-merge-patch+json") {
      if (type->custom)
        return ApiError{415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include: "
                        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"};
      patch_type = PatchType::strategic;
    }
    if (content_type == "application/apply-patch+yaml") {
      // Server-side apply, simplified: create when missing, otherwise merge the applied
      // configuration in (no field ownership is tracked).
      if (!body->is_object()) return errors::bad_request("apply patches must be objects");
      if (store_.find(type->collection_key(), type->namespaced ? r.ns : "", r.name) == nullptr && !write.status) {
        json::object obj = body->get_object();
        ensure_object(obj, "metadata")["name"] = r.name;
        auto created = store_.create(*type, r.ns, std::move(obj), write);
        if (!created) return created.error();
        return render(*created, 201);
      }
      patch_type = type->custom ? PatchType::merge : PatchType::strategic;
    }
    auto patched = store_.patch(*type, r.ns, r.name, patch_type, *body, write);
    if (!patched) return patched.error();
    return render(*patched, 200);
  }
  if (method == "DELETE") {
    DeleteOptions options;
    options.dry_run = dry_run;
    if (!request.body.empty()) {
      auto body = decode_body(request.header("content-type"), request.body);
      if (!body) return body.error();
      if (body->is_object()) {
        const auto& o = body->get_object();
        std::string policy = string_at(o, "propagationPolicy");
        if (!policy.empty()) {
          if (policy == "Background") options.propagation = Propagation::background;
          else if (policy == "Foreground") options.propagation = Propagation::foreground;
          else if (policy == "Orphan") options.propagation = Propagation::orphan;
          else return errors::invalid("DeleteOptions", "", "", {errors::unsupported_value("propagationPolicy", "\"" + policy + "\"", {"\"Background\"", "\"Foreground\"", "\"Orphan\""})});
        }
        if (const auto* orphan = o.if_contains("orphanDependents"); orphan != nullptr && orphan->is_bool())
          options.propagation = orphan->get_bool() ? Propagation::orphan : Propagation::background;
        options.precondition_uid = string_at(o, "preconditions.uid");
        options.precondition_resource_version = string_at(o, "preconditions.resourceVersion");
        if (const auto* dr = o.if_contains("dryRun"); dr != nullptr && dr->is_array())
          for (const auto& x : dr->get_array())
            if (x.is_string() && x.get_string() == "All") options.dry_run = true;
      }
    }
    std::string policy = q("propagationPolicy");
    if (policy == "Background") options.propagation = Propagation::background;
    else if (policy == "Foreground") options.propagation = Propagation::foreground;
    else if (policy == "Orphan") options.propagation = Propagation::orphan;
    if (r.name.empty()) {
      ListOptions list_options;
      list_options.label_selector = q("labelSelector");
      list_options.field_selector = q("fieldSelector");
      auto listed = store_.list(*type, type->namespaced ? r.ns : "", list_options);
      if (!listed) return listed.error();
      json::array items;
      for (const auto& item : listed->items) {
        auto deleted = store_.remove(*type, string_at(*item, "metadata.namespace"), string_at(*item, "metadata.name"), options);
        if (deleted) items.push_back(with_version(*type, deleted->object));
      }
      HttpResponse resp;
      resp.body = to_json(json::object{{"kind", type->list_kind},
                                       {"apiVersion", type->api_version()},
                                       {"metadata", json::object{{"resourceVersion", std::to_string(store_.resource_version())}}},
                                       {"items", std::move(items)}});
      return Outcome{resp, std::nullopt};
    }
    auto deleted = store_.remove(*type, r.ns, r.name, options);
    if (!deleted) return deleted.error();
    if (deleted->deleted && r.rendering == Rendering::object) return Outcome{json_response(200, success_status(*type, deleted->object)), std::nullopt};
    return render(deleted->object, 200);
  }
  return errors::method_not_allowed("the server does not allow this method on the requested resource");
}

}  // namespace dragops::apiserver
