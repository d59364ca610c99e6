#include "apiserver/webhook.hpp"

#include "apiserver/json_util.hpp"
#include "apiserver/match_condition.hpp"
#include "apiserver/patch.hpp"
#include "apiserver/service_ips.hpp"
#include "common/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace dragops::apiserver {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// One call's state, on the heap: on the server's io_context the call may give up at its deadline
// while an operation is still pending; its handler then finds the state alive and changes
// nothing anyone reads.
struct HttpsCall {
  HttpsCall(net::io_context& ioc, ssl::context&& tls) : ctx(std::move(tls)), stream(ioc, ctx) {}
  ssl::context ctx;
  beast::ssl_stream<beast::tcp_stream> stream;
  http::request<http::string_body> req;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  HttpsCallResult result;
  bool done = false;

  void fail(const std::string& what, beast::error_code e) {
    result.error = what + ": " + e.message();
    done = true;
  }
};

}  // namespace

HttpsCallResult https_post(const std::string& host, unsigned short port, const std::string& target,
                           const std::string& server_name, const std::string& ca_pem, const std::string& body,
                           std::chrono::milliseconds timeout, net::io_context* shared) {
  HttpsCallResult result;
  net::io_context own;
  net::io_context& ioc = shared != nullptr ? *shared : own;
  ssl::context ctx(ssl::context::tls_client);
  boost::system::error_code ec;
  if (!ca_pem.empty()) ctx.add_certificate_authority(net::buffer(ca_pem), ec);
  else ctx.set_default_verify_paths(ec);
  if (ec) {
    result.error = "x509: invalid caBundle: " + ec.message();
    return result;
  }
  ctx.set_verify_mode(ssl::verify_peer);
  auto call = std::make_shared<HttpsCall>(ioc, std::move(ctx));
  call->stream.set_verify_callback(ssl::host_name_verification(server_name));
  if (!SSL_set_tlsext_host_name(call->stream.native_handle(), server_name.c_str())) {
    result.error = "cannot set SNI";
    return result;
  }
  call->req = http::request<http::string_body>(http::verb::post, target, 11);
  call->req.set(http::field::host, server_name);
  call->req.set(http::field::content_type, "application/json");
  call->req.set(http::field::accept, "application/json");
  call->req.body() = body;
  call->req.prepare_payload();
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      result.error = "dial tcp: lookup " + host + ": no such host";
      return result;
    }
    endpoint = *results.begin();
  } else {
    endpoint = tcp::endpoint(address, port);
  }
  const std::string dialled = "dial tcp " + host + ":" + std::to_string(port);
  beast::get_lowest_layer(call->stream).async_connect(endpoint, [call, dialled](beast::error_code e) {
    if (e) return call->fail(dialled, e);
    call->stream.async_handshake(ssl::stream_base::client, [call](beast::error_code e2) {
      if (e2) return call->fail("tls: handshake", e2);
      http::async_write(call->stream, call->req, [call](beast::error_code e3, std::size_t) {
        if (e3) return call->fail("write", e3);
        http::async_read(call->stream, call->buffer, call->res, [call](beast::error_code e4, std::size_t) {
          if (e4) return call->fail("read", e4);
          call->result.status = static_cast<int>(call->res.result_int());
          call->result.body = call->res.body();
          call->done = true;
        });
      });
    });
  });
  if (shared == nullptr) {
    ioc.run_for(timeout);
  } else {
    // On the server's io_context: every handler that is ready runs here, this call's and those
    // of the server's other connections (a webhook may call back into this server), until this
    // call is done or its deadline passes.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!call->done && !ioc.stopped() && std::chrono::steady_clock::now() < deadline) ioc.run_one_until(deadline);
  }
  if (!call->done) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(call->stream).socket().close(ignored);   // a pending handler finishes on its own
    if (shared == nullptr) {   // ... before our own io_context goes away
      ioc.restart();
      ioc.run_for(std::chrono::seconds(1));
    }
    result.status = 0;
    result.error = "context deadline exceeded";
    return result;
  }
  return call->result;
}

namespace {

bool list_allows(const json::object& rule, std::string_view key, const std::string& value) {
  const auto* list = rule.if_contains(key);
  if (list == nullptr || !list->is_array()) return false;
  return std::any_of(list->get_array().begin(), list->get_array().end(), [&](const json::value& v) {
    return v.is_string() && (v.get_string() == "*" || v.get_string() == value);
  });
}

bool resource_allowed(const json::object& rule, const std::string& resource, const std::string& subresource) {
  const auto* list = rule.if_contains("resources");
  if (list == nullptr || !list->is_array()) return false;
  std::string full = subresource.empty() ? resource : resource + "/" + subresource;
  for (const auto& v : list->get_array()) {
    if (!v.is_string()) continue;
    std::string want(v.get_string());
    if (want == "*/*" || want == full) return true;
    if (want == "*" && subresource.empty()) return true;
    if (want == resource + "/*" && !subresource.empty()) return true;
    if (want.starts_with("*/") && !subresource.empty() && want.substr(2) == subresource) return true;
  }
  return false;
}

bool rules_match(const json::object& hook, const AdmissionRequest& request) {
  const auto* rules = hook.if_contains("rules");
  if (rules == nullptr || !rules->is_array()) return false;
  for (const auto& r : rules->get_array()) {
    if (!r.is_object()) continue;
    const auto& rule = r.get_object();
    if (!list_allows(rule, "operations", request.operation)) continue;
    if (!list_allows(rule, "apiGroups", request.type->group)) continue;
    if (!list_allows(rule, "apiVersions", request.type->version)) continue;
    if (!resource_allowed(rule, request.type->resource, request.subresource)) continue;
    std::string scope = string_at(rule, "scope");
    if (scope == "Cluster" && request.type->namespaced) continue;
    if (scope == "Namespaced" && !request.type->namespaced) continue;
    return true;
  }
  return false;
}

ApiError call_failed(const std::string& name, const std::string& why) {
  return errors::internal("failed calling webhook \"" + name + "\": " + why);
}

}  // namespace

Result<json::object> WebhookAdmission::mutate(const AdmissionRequest& request, json::object object) {
  return call(request, std::move(object), false);
}

Result<void> WebhookAdmission::validate(const AdmissionRequest& request, const json::object& object) {
  auto r = call(request, object, true);
  if (!r) return r.error();
  return {};
}

Result<json::object> WebhookAdmission::call(const AdmissionRequest& request, json::object object, bool validating) {
  if (request.type->group == "admissionregistration.k8s.io") return object;  // kube never calls webhooks for these
  {
    auto configs = store_.all_of(validating ? "admissionregistration.k8s.io/validatingwebhookconfigurations"
                                            : "admissionregistration.k8s.io/mutatingwebhookconfigurations");
    for (const auto& config : configs) {
      const auto* hooks = config->if_contains("webhooks");
      if (hooks == nullptr || !hooks->is_array()) continue;
      for (const auto& h : hooks->get_array()) {
        if (!h.is_object()) continue;
        const auto& hook = h.get_object();
        std::string name = string_at(hook, "name");
        if (!rules_match(hook, request)) continue;
        // namespaceSelector: the namespace's labels (the object's own for a Namespace).
        if (const auto* ns_sel = hook.if_contains("namespaceSelector"); ns_sel != nullptr && ns_sel->is_object()) {
          const json::object* labels = nullptr;
          ObjectPtr ns_object;
          bool is_namespace = request.type->group.empty() && request.type->resource == "namespaces";
          if (is_namespace) {
            labels = &object_or_empty(object_or_empty(object, "metadata"), "labels");
          } else if (request.type->namespaced) {
            ns_object = store_.find("/namespaces", "", request.ns);
            labels = ns_object != nullptr ? &object_or_empty(object_or_empty(*ns_object, "metadata"), "labels") : &empty_object();
          }
          if (labels != nullptr) {
            auto selector = LabelSelector::from_json(ns_sel->get_object());
            if (!selector || !selector->matches(*labels)) continue;
          }
        }
        if (const auto* obj_sel = hook.if_contains("objectSelector"); obj_sel != nullptr && obj_sel->is_object()) {
          auto selector = LabelSelector::from_json(obj_sel->get_object());
          const json::object& source = request.operation == "DELETE" && request.old_object != nullptr ? *request.old_object : object;
          bool matched = selector && selector->matches(object_or_empty(object_or_empty(source, "metadata"), "labels"));
          if (!matched && request.old_object != nullptr)
            matched = selector && selector->matches(object_or_empty(object_or_empty(*request.old_object, "metadata"), "labels"));
          if (!matched) continue;
        }
        // matchConditions: all true, or the webhook is not called; an expression outside the shape
        // match_condition.hpp evaluates is an error, and failurePolicy decides, as for kube's
        // evaluation errors.
        if (const auto* conditions = hook.if_contains("matchConditions"); conditions != nullptr && conditions->is_array()) {
          bool all_true = true;
          std::optional<std::string> unsupported;
          for (const auto& c : conditions->get_array()) {
            if (!c.is_object()) continue;
            std::string expression = string_at(c.get_object(), "expression");
            auto value = evaluate_match_condition(expression, request.operation == "DELETE" && request.old_object != nullptr
                                                                  ? *request.old_object : object);
            if (!value) {
              unsupported = string_at(c.get_object(), "name");
              break;
            }
            if (!*value) all_true = false;
          }
          if (unsupported) {
            if (string_at(hook, "failurePolicy") == "Ignore") continue;
            return call_failed(name, "matchCondition \"" + *unsupported +
                                         "\": expression not supported by the local API server (docs/apiserver.md)");
          }
          if (!all_true) continue;
        }
        if (request.dry_run && string_at(hook, "sideEffects") != "None" && string_at(hook, "sideEffects") != "NoneOnDryRun")
          return errors::bad_request("admission webhook \"" + name + "\" has side effects and does not support dry run");
        bool fail_closed = string_at(hook, "failurePolicy") != "Ignore";
        int timeout_seconds = 10;
        if (const auto* t = hook.if_contains("timeoutSeconds"); t != nullptr && t->is_number()) timeout_seconds = static_cast<int>(std::clamp<std::int64_t>(int_of(*t), 1, 30));

        // Where to call.
        const auto& client = object_or_empty(hook, "clientConfig");
        std::string ca_pem;
        if (const auto* ca = client.if_contains("caBundle"); ca != nullptr && ca->is_string())
          ca_pem = base64_decode(ca->get_string()).value_or("");
        std::string host, target, server_name;
        unsigned short port = 443;
        std::string url_text;
        std::optional<ApiError> resolve_error;
        if (const auto* url = client.if_contains("url"); url != nullptr && url->is_string()) {
          auto parsed = boost::urls::parse_uri(url->get_string());
          if (!parsed) {
            resolve_error = call_failed(name, "invalid url");
          } else {
            host = parsed->host();
            if (parsed->has_port()) port = parsed->port_number();
            target = std::string(parsed->encoded_path());
            if (target.empty()) target = "/";
            if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
            server_name = host;
            url_text = std::string(url->get_string());
          }
        } else {
          const auto& svc = object_or_empty(client, "service");
          std::string svc_name = string_at(svc, "name");
          std::string svc_ns = string_at(svc, "namespace");
          int svc_port = 443;
          if (const auto* p = svc.if_contains("port"); p != nullptr && p->is_number()) svc_port = int_of(*p);
          target = string_at(svc, "path");
          if (target.empty()) target = "/";
          server_name = svc_name + "." + svc_ns + ".svc";
          url_text = "https://" + server_name + ":" + std::to_string(svc_port) + target;
          // kube-apiserver's default service resolver: the Service's ClusterIP and port. The
          // error surfaces where the HTTP client would have dialled.
          auto service = store_.find("/services", svc_ns, svc_name);
          auto where = resolve_service_webhook(service.get(), svc_name, svc_port);
          if (!where.error.empty()) {
            resolve_error = call_failed(name, "failed to call webhook: Post \"" + url_text + "?timeout=" +
                                                  std::to_string(timeout_seconds) + "s\": " + where.error);
          } else {
            host = where.host;
            port = where.port;
          }
        }
        auto handle_failure = [&](ApiError error) -> std::optional<ApiError> {
          log::warn("admission webhook call failed", {{"webhook", boost::json::value(name)}, {"ignored", boost::json::value(!fail_closed)}});
          if (fail_closed) return error;
          return std::nullopt;
        };
        if (resolve_error) {
          if (auto e = handle_failure(*resolve_error)) return *e;
          continue;
        }

        std::string uid = new_uid();
        const auto& t = *request.type;
        json::object gvk{{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
        json::object gvr{{"group", t.group}, {"version", t.version}, {"resource", t.resource}};
        json::object review_request{{"uid", uid},
                                    {"kind", gvk},
                                    {"resource", gvr},
                                    {"requestKind", gvk},
                                    {"requestResource", gvr},
                                    {"name", request.name},
                                    {"operation", request.operation},
                                    {"userInfo", (request.user != nullptr ? *request.user : admin_user()).to_json()},
                                    {"object", request.operation == "DELETE" ? json::value(nullptr) : json::value(object)},
                                    {"oldObject", request.old_object != nullptr ? json::value(*request.old_object) : json::value(nullptr)},
                                    {"dryRun", request.dry_run}};
        if (!request.subresource.empty()) review_request["subResource"] = request.subresource;
        if (!request.ns.empty()) review_request["namespace"] = request.ns;
        json::object review{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", std::move(review_request)}};
        std::string call_target = target + (target.find('?') == std::string::npos ? "?" : "&") + "timeout=" +
                                  std::to_string(timeout_seconds) + "s";
        auto answer = https_post(host, port, call_target, server_name, ca_pem, to_json(review),
                                 std::chrono::seconds(timeout_seconds), io_);
        if (answer.status == 0) {
          if (auto e = handle_failure(call_failed(name, "failed to call webhook: Post \"" + url_text + "?timeout=" +
                                                            std::to_string(timeout_seconds) + "s\": " + answer.error)))
            return *e;
          continue;
        }
        boost::system::error_code ec;
        auto parsed = json::parse(answer.body, ec);
        const json::object* response = nullptr;
        if (!ec && parsed.is_object())
          if (const auto* r = parsed.get_object().if_contains("response"); r != nullptr && r->is_object()) response = &r->get_object();
        if (answer.status != 200 || response == nullptr) {
          if (auto e = handle_failure(call_failed(name, "failed to call webhook: the server responded with status " +
                                                            std::to_string(answer.status))))
            return *e;
          continue;
        }
        if (string_at(*response, "uid") != uid) {
          if (auto e = handle_failure(call_failed(name, "expected response.uid=\"" + uid + "\", got \"" +
                                                            string_at(*response, "uid") + "\"")))
            return *e;
          continue;
        }
        // kube's VerifyAdmissionResponse: a validating webhook's answer may not carry a patch; the
        // call fails (and failurePolicy decides), whether or not it allowed the request.
        if (const auto* patch = response->if_contains("patch");
            validating && patch != nullptr && patch->is_string() && !patch->get_string().empty()) {
          if (auto e = handle_failure(call_failed(name, "received invalid webhook response: validating webhook may not return response.patch")))
            return *e;
          continue;
        }
        const auto* allowed = response->if_contains("allowed");
        if (allowed == nullptr || !allowed->is_bool() || !allowed->get_bool()) {
          // kube's webhookerrors.ToStatusErr
          const auto& status = object_or_empty(*response, "status");
          int code = 0;
          if (const auto* c = status.if_contains("code"); c != nullptr && c->is_number()) code = int_of(*c);
          if (code < 400) code = 400;
          std::string denied = "admission webhook \"" + name + "\" denied the request";
          std::string message = string_at(status, "message");
          std::string reason = string_at(status, "reason");
          if (!message.empty()) message = denied + ": " + message;
          else if (!reason.empty()) message = denied + ": " + reason;
          else message = denied + " without explanation";
          return ApiError{code, reason, message};
        }
        if (validating) continue;
        if (const auto* patch = response->if_contains("patch"); patch != nullptr && patch->is_string() && !patch->get_string().empty()) {
          if (string_at(*response, "patchType") != "JSONPatch") {
            if (auto e = handle_failure(call_failed(name, "unsupported patch type \"" + string_at(*response, "patchType") + "\"")))
              return *e;
            continue;
          }
          auto decoded = base64_decode(patch->get_string());
          boost::system::error_code pec;
          auto ops = decoded ? json::parse(*decoded, pec) : json::value();
          if (!decoded || pec) {
            if (auto e = handle_failure(call_failed(name, "the patch is not base64 JSON"))) return *e;
            continue;
          }
          auto patched = json_patch(object, ops);
          if (!patched || !patched->is_object()) {
            if (auto e = handle_failure(call_failed(name, "the patch does not apply"))) return *e;
            continue;
          }
          object = std::move(patched->get_object());
        }
      }
    }
  }
  return object;
}

}  // namespace dragops::apiserver
