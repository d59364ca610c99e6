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

namespace {

const ApiError kNoSuchResource{404, "NotFound", "the server could not find the requested resource"};
const ApiError kMethodNotAllowed{405, "MethodNotAllowed", "the server does not allow this method on the requested resource"};
const ApiError kPatchMediaTypes{415, "UnsupportedMediaType",
                                "the body of the request was in an unknown format - accepted media types include: "
                                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"};

std::optional<Propagation> propagation_named(const std::string& policy) {
  if (policy == "Background") return Propagation::background;
  if (policy == "Foreground") return Propagation::foreground;
  if (policy == "Orphan") return Propagation::orphan;
  return std::nullopt;
}

json::object partial_metadata(const json::object& obj) {
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", object_or_empty(obj, "metadata")}};
}

// One request to a resource endpoint: the parsed options and one method per verb.
class ResourceRequest {
 public:
  ResourceRequest(Store& store, const HttpRequest& request, const Handler::Route& route, const ResourceType& type)
      : store_(store), request_(request), route_(route), type_(type), now_(std::chrono::system_clock::now()) {}

  Result<Outcome> serve() {
    std::string dry_run = q("dryRun");
    if (!dry_run.empty() && dry_run != "All")
      return errors::bad_request("Invalid dry run value \"" + dry_run + "\": supported values: \"All\"");
    write_.dry_run = dry_run == "All";
    write_.status = route_.subresource == "status";
    std::string validation = q("fieldValidation");
    if (validation == "Strict") write_.field_validation = FieldValidation::strict;
    else if (validation == "Ignore") write_.field_validation = FieldValidation::ignore;
    else if (validation.empty() || validation == "Warn") write_.field_validation = FieldValidation::warn;
    else return errors::bad_request("fieldValidation parameter unsupported: " + validation);
    write_.warnings = &warnings_;
    write_.user = &route_.user;

    const std::string& method = request_.method;
    bool watching = route_.watch_path || q("watch") == "true" || q("watch") == "1";
    if (method == "GET" && watching) return watch();
    if (method == "GET") return route_.name.empty() ? list() : get();
    if (method == "POST") return create();
    if (method == "PUT") return update();
    if (method == "PATCH") return patch();
    if (method == "DELETE") return remove();
    return kMethodNotAllowed;
  }

 private:
  std::string q(const std::string& key) const {
    auto it = route_.query.find(key);
    return it == route_.query.end() ? std::string() : it->second;
  }
  std::string scope_ns() const { return type_.namespaced ? route_.ns : ""; }

  Outcome render(const json::object& obj, int status) const {
    HttpResponse resp;
    resp.status = status;
    if (route_.rendering == Rendering::table)
      resp.body = to_json(to_table(type_, {std::make_shared<const json::object>(obj)}, route_.include_object, now_));
    else if (route_.rendering == Rendering::partial_metadata)
      resp.body = to_json(partial_metadata(obj));
    else
      resp.body = to_json(with_version(type_, obj));
    for (const auto& w : warnings_) resp.headers.emplace_back("Warning", warning_header(w));
    return Outcome{resp, std::nullopt};
  }

  Result<json::object> decode_object() const {
    auto body = decode_body(request_.header("content-type"), request_.body);
    if (!body) return body.error();
    if (!body->is_object()) return errors::bad_request("the body of the request must be a JSON object");
    return std::move(body->get_object());
  }

  Result<Outcome> watch() {
    WatchPlan plan;
    plan.spec.collection = type_.collection_key();
    plan.spec.ns = scope_ns();
    auto labels = LabelSelector::parse(q("labelSelector"));
    if (!labels) return labels.error();
    std::string field_text = q("fieldSelector");
    if (!route_.name.empty())
      field_text = field_text.empty() ? "metadata.name=" + route_.name : field_text + ",metadata.name=" + route_.name;
    auto fields = FieldSelector::parse(field_text);
    if (!fields) return fields.error();
    plan.spec.labels = std::move(*labels);
    plan.spec.fields = std::move(*fields);
    plan.spec.type = &type_;
    plan.resource_version = q("resourceVersion");
    plan.timeout_seconds = q("timeoutSeconds").empty() ? 0 : std::atoi(q("timeoutSeconds").c_str());
    plan.bookmarks = q("allowWatchBookmarks") == "true" || q("allowWatchBookmarks") == "1";
    plan.rendering = route_.rendering;
    plan.include_object = route_.include_object;
    plan.api_version = type_.api_version();
    plan.kind = type_.kind;
    plan.type = &type_;
    HttpResponse resp;
    resp.content_type = "application/json;stream=watch";
    return Outcome{resp, std::move(plan)};
  }

  Result<Outcome> get() {
    auto obj = store_.get(type_, route_.ns, route_.name);
    if (!obj) return obj.error();
    return render(*obj, 200);
  }

  Result<Outcome> list() {
    ListOptions options;
    options.label_selector = q("labelSelector");
    options.field_selector = q("fieldSelector");
    options.limit = q("limit").empty() ? 0 : std::atoll(q("limit").c_str());
    options.continue_token = q("continue");
    options.resource_version = q("resourceVersion");
    auto listed = store_.list(type_, scope_ns(), options);
    if (!listed) return listed.error();
    json::object meta{{"resourceVersion", std::to_string(listed->resource_version)}};
    if (!listed->continue_token.empty()) {
      meta["continue"] = listed->continue_token;
      meta["remainingItemCount"] = listed->remaining;
    }
    HttpResponse resp;
    if (route_.rendering == Rendering::table) {
      auto table = to_table(type_, listed->items, route_.include_object, now_);
      table["metadata"] = std::move(meta);
      resp.body = to_json(table);
      return Outcome{resp, std::nullopt};
    }
    json::array items;
    bool partial = route_.rendering == Rendering::partial_metadata;
    for (const auto& item : listed->items) items.push_back(partial ? partial_metadata(*item) : with_version(type_, *item));
    resp.body = to_json(json::object{{"kind", partial ? "PartialObjectMetadataList" : type_.list_kind},
                                     {"apiVersion", partial ? "meta.k8s.io/v1" : type_.api_version()},
                                     {"metadata", std::move(meta)},
                                     {"items", std::move(items)}});
    return Outcome{resp, std::nullopt};
  }

  Result<Outcome> create() {
    if (!route_.name.empty() || !route_.subresource.empty()) return kMethodNotAllowed;
    if (type_.namespaced && route_.ns.empty()) return kNoSuchResource;
    auto body = decode_object();
    if (!body) return body.error();
    if (type_.custom) {
      auto crd = store_.find("apiextensions.k8s.io/customresourcedefinitions", "", type_.crd_name);
      if (crd != nullptr && find_path(*crd, "metadata.deletionTimestamp") != nullptr)
        return errors::method_not_allowed("create not allowed while custom resource definition is terminating");
    }
    auto created = store_.create(type_, route_.ns, std::move(*body), write_);
    if (!created) return created.error();
    return render(*created, 201);
  }

  Result<Outcome> update() {
    if (route_.name.empty()) return kMethodNotAllowed;
    auto body = decode_object();
    if (!body) return body.error();
    auto updated = store_.update(type_, route_.ns, route_.name, std::move(*body), write_);
    if (!updated) return updated.error();
    return render(*updated, 200);
  }

  Result<Outcome> patch() {
    if (route_.name.empty()) return kMethodNotAllowed;
    std::string content_type = base_type(request_.header("content-type"));
    PatchType patch_type = PatchType::merge;
    if (content_type == "application/json-patch+json") patch_type = PatchType::json;
    else if (content_type == "application/strategic-merge-patch+json") patch_type = PatchType::strategic;
    else if (content_type != "application/merge-patch+json" && content_type != "application/apply-patch+yaml")
      return kPatchMediaTypes;
    if (patch_type == PatchType::strategic && type_.custom) return kPatchMediaTypes;  // as kube answers
    auto body = decode_body(content_type, request_.body);
    if (!body) return body.error();
    if (content_type == "application/apply-patch+yaml") {
      // Server-side apply, simplified: create when missing, otherwise merge the applied
      // configuration in (no field ownership is tracked).
      if (!body->is_object()) return errors::bad_request("apply patches must be objects");
      if (store_.find(type_.collection_key(), scope_ns(), route_.name) == nullptr && !write_.status) {
        json::object obj = body->get_object();
        ensure_object(obj, "metadata")["name"] = route_.name;
        auto created = store_.create(type_, route_.ns, std::move(obj), write_);
        if (!created) return created.error();
        return render(*created, 201);
      }
      patch_type = type_.custom ? PatchType::merge : PatchType::strategic;
    }
    auto patched = store_.patch(type_, route_.ns, route_.name, patch_type, *body, write_);
    if (!patched) return patched.error();
    return render(*patched, 200);
  }

  // DeleteOptions from the body (if any) and the query.
  Result<DeleteOptions> delete_options() const {
    DeleteOptions options;
    options.dry_run = write_.dry_run;
    options.user = &route_.user;
    if (!request_.body.empty()) {
      auto body = decode_body(request_.header("content-type"), request_.body);
      if (!body) return body.error();
      if (body->is_object()) {
        const auto& o = body->get_object();
        std::string policy = string_at(o, "propagationPolicy");
        if (!policy.empty()) {
          options.propagation = propagation_named(policy);
          if (!options.propagation)
            return errors::invalid("DeleteOptions", "", "",
                                   {errors::unsupported_value("propagationPolicy", "\"" + policy + "\"",
                                                              {"\"Background\"", "\"Foreground\"", "\"Orphan\""})});
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
    if (auto policy = propagation_named(q("propagationPolicy"))) options.propagation = policy;
    return options;
  }

  Result<Outcome> remove() {
    auto options = delete_options();
    if (!options) return options.error();
    if (route_.name.empty()) return remove_collection(*options);
    auto deleted = store_.remove(type_, route_.ns, route_.name, *options);
    if (!deleted) return deleted.error();
    if (deleted->deleted && route_.rendering == Rendering::object)
      return Outcome{json_response(200, success_status(type_, deleted->object)), std::nullopt};
    return render(deleted->object, 200);
  }

  Result<Outcome> remove_collection(const DeleteOptions& options) {
    ListOptions list_options;
    list_options.label_selector = q("labelSelector");
    list_options.field_selector = q("fieldSelector");
    auto listed = store_.list(type_, scope_ns(), list_options);
    if (!listed) return listed.error();
    json::array items;
    for (const auto& item : listed->items) {
      auto deleted = store_.remove(type_, string_at(*item, "metadata.namespace"), string_at(*item, "metadata.name"), options);
      if (deleted) items.push_back(with_version(type_, deleted->object));
    }
    HttpResponse resp;
    resp.body = to_json(json::object{{"kind", type_.list_kind},
                                     {"apiVersion", type_.api_version()},
                                     {"metadata", json::object{{"resourceVersion", std::to_string(store_.resource_version())}}},
                                     {"items", std::move(items)}});
    return Outcome{resp, std::nullopt};
  }

  Store& store_;
  const HttpRequest& request_;
  const Handler::Route& route_;
  const ResourceType& type_;
  std::chrono::system_clock::time_point now_;
  WriteOptions write_;
  std::vector<std::string> warnings_;
};

}  // namespace

Result<Outcome> Handler::serve_resource(const HttpRequest& request, const Route& r) {
  const ResourceType* type = registry_.find(r.group, r.version, r.resource);
  if (type == nullptr) return kNoSuchResource;
  if (!r.subresource.empty() && !(r.subresource == "status" && type->status_subresource)) return kNoSuchResource;
  if (!type->namespaced && !r.ns.empty()) return kNoSuchResource;
  return ResourceRequest(store_, request, r, *type).serve();
}

}  // namespace dragops::apiserver
