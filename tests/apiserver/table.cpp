#include "apiserver/table.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace dragops::apiserver {

namespace {

struct Column {
  std::string name;
  std::string type;
  std::string format;
  std::string description;
  int priority = 0;
};

using Cells = std::vector<json::value>;
using Now = std::chrono::system_clock::time_point;

std::string age_of(const json::object& obj, std::string_view path, Now now) {
  auto t = parse_rfc3339(string_at(obj, path));
  if (!t) return "<unknown>";
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

std::int64_t size_of(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_object()) return static_cast<std::int64_t>(v->get_object().size());
  if (v->is_array()) return static_cast<std::int64_t>(v->get_array().size());
  return 0;
}

std::string or_none(std::string s) { return s.empty() ? "<none>" : s; }

std::string number_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "<none>";
  return to_json(v);
}

const Column kName{"Name", "string", "name", "Name must be unique within a namespace.", 0};
const Column kAge{"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0};

// Columns and cell functions of the built-in kinds, after kube's printers.
std::vector<Column> builtin_columns(const ResourceType& type) {
  const std::string& r = type.resource;
  if (r == "secrets") return {kName, {"Type", "string", "", "", 0}, {"Data", "string", "", "", 0}, kAge};
  if (r == "configmaps") return {kName, {"Data", "string", "", "", 0}, kAge};
  if (r == "namespaces") return {kName, {"Status", "string", "", "", 0}, kAge};
  if (r == "pods")
    return {kName, {"Ready", "string", "", "", 0}, {"Status", "string", "", "", 0}, {"Restarts", "string", "", "", 0}, kAge,
            {"IP", "string", "", "", 1}, {"Node", "string", "", "", 1}, {"Nominated Node", "string", "", "", 1},
            {"Readiness Gates", "string", "", "", 1}};
  if (r == "serviceaccounts") return {kName, {"Secrets", "string", "", "", 0}, kAge};
  if (r == "services")
    return {kName, {"Type", "string", "", "", 0}, {"Cluster-IP", "string", "", "", 0}, {"External-IP", "string", "", "", 0},
            {"Port(s)", "string", "", "", 0}, kAge, {"Selector", "string", "", "", 1}};
  if (r == "endpoints") return {kName, {"Endpoints", "string", "", "", 0}, kAge};
  if (r == "events")
    return {{"Last Seen", "string", "", "", 0}, {"Type", "string", "", "", 0}, {"Reason", "string", "", "", 0},
            {"Object", "string", "", "", 0}, {"Subobject", "string", "", "", 1}, {"Source", "string", "", "", 1},
            {"Message", "string", "", "", 0}, {"First Seen", "string", "", "", 1}, {"Count", "string", "", "", 1},
            {"Name", "string", "", "", 1}};
  if (r == "leases") return {kName, {"Holder", "string", "", "", 0}, kAge};
  if (r == "deployments")
    return {kName, {"Ready", "string", "", "", 0}, {"Up-to-date", "string", "", "", 0}, {"Available", "string", "", "", 0},
            kAge, {"Containers", "string", "", "", 1}, {"Images", "string", "", "", 1}, {"Selector", "string", "", "", 1}};
  if (r == "poddisruptionbudgets")
    return {kName, {"Min Available", "string", "", "", 0}, {"Max Unavailable", "string", "", "", 0},
            {"Allowed Disruptions", "integer", "", "", 0}, kAge};
  if (r == "rolebindings" || r == "clusterrolebindings")
    return {kName, {"Role", "string", "", "", 0}, kAge, {"Users", "string", "", "", 1}, {"Groups", "string", "", "", 1},
            {"ServiceAccounts", "string", "", "", 1}};
  if (r == "mutatingwebhookconfigurations" || r == "validatingwebhookconfigurations")
    return {kName, {"Webhooks", "integer", "", "", 0}, kAge};
  return {kName, {"Created At", "date", "", "", 0}};
}

Cells builtin_cells(const ResourceType& type, const json::object& o, Now now) {
  const std::string& r = type.resource;
  std::string name = string_at(o, "metadata.name");
  std::string age = age_of(o, "metadata.creationTimestamp", now);
  if (r == "secrets") return {json::value(name), json::value(string_at(o, "type")), json::value(size_of(o, "data")), json::value(age)};
  if (r == "configmaps") return {json::value(name), json::value(size_of(o, "data") + size_of(o, "binaryData")), json::value(age)};
  if (r == "namespaces") return {json::value(name), json::value(string_at(o, "status.phase")), json::value(age)};
  if (r == "pods") {
    std::int64_t total = 0;
    if (const auto* c = find_path(o, "spec.containers"); c != nullptr && c->is_array()) total = static_cast<std::int64_t>(c->get_array().size());
    std::int64_t ready = 0;
    std::int64_t restarts = 0;
    if (const auto* s = find_path(o, "status.containerStatuses"); s != nullptr && s->is_array())
      for (const auto& cs : s->get_array()) {
        if (!cs.is_object()) continue;
        if (const auto* rd = cs.get_object().if_contains("ready"); rd != nullptr && rd->is_bool() && rd->get_bool()) ++ready;
        if (const auto* rc = cs.get_object().if_contains("restartCount"); rc != nullptr && rc->is_number()) restarts += int_of(*rc);
      }
    std::string status = string_at(o, "status.reason");
    if (status.empty()) status = string_at(o, "status.phase");
    if (find_path(o, "metadata.deletionTimestamp") != nullptr) status = "Terminating";
    return {json::value(name), json::value(std::to_string(ready) + "/" + std::to_string(total)), json::value(status),
            json::value(restarts), json::value(age), json::value(or_none(string_at(o, "status.podIP"))),
            json::value(or_none(string_at(o, "spec.nodeName"))), json::value(or_none(string_at(o, "status.nominatedNodeName"))),
            json::value("<none>")};
  }
  if (r == "serviceaccounts") return {json::value(name), json::value(size_of(o, "secrets")), json::value(age)};
  if (r == "services") {
    std::string ports;
    if (const auto* p = find_path(o, "spec.ports"); p != nullptr && p->is_array())
      for (const auto& port : p->get_array()) {
        if (!port.is_object()) continue;
        if (!ports.empty()) ports += ",";
        ports += number_text(port.get_object().contains("port") ? port.get_object().at("port") : json::value()) + "/" +
                 string_at(port.get_object(), "protocol");
      }
    std::string selector;
    if (const auto* s = find_path(o, "spec.selector"); s != nullptr && s->is_object())
      for (const auto& kv : s->get_object())
        selector += (selector.empty() ? "" : ",") + std::string(kv.key()) + "=" + number_text(kv.value());
    return {json::value(name), json::value(string_at(o, "spec.type")), json::value(or_none(string_at(o, "spec.clusterIP"))),
            json::value("<none>"), json::value(or_none(ports)), json::value(age), json::value(or_none(selector))};
  }
  if (r == "endpoints") {
    std::string list;
    if (const auto* subsets = o.if_contains("subsets"); subsets != nullptr && subsets->is_array())
      for (const auto& s : subsets->get_array()) {
        if (!s.is_object()) continue;
        const auto* addresses = s.get_object().if_contains("addresses");
        const auto* ports = s.get_object().if_contains("ports");
        if (addresses == nullptr || !addresses->is_array()) continue;
        for (const auto& a : addresses->get_array()) {
          if (!a.is_object()) continue;
          std::string ip = string_at(a.get_object(), "ip");
          if (ports != nullptr && ports->is_array() && !ports->get_array().empty()) {
            for (const auto& p : ports->get_array())
              if (p.is_object())
                list += (list.empty() ? "" : ",") + ip + ":" +
                        number_text(p.get_object().contains("port") ? p.get_object().at("port") : json::value());
          } else {
            list += (list.empty() ? "" : ",") + ip;
          }
        }
      }
    return {json::value(name), json::value(or_none(list)), json::value(age)};
  }
  if (r == "events") {
    std::string last = string_at(o, "lastTimestamp");
    if (last.empty()) last = string_at(o, "eventTime");
    std::string first = string_at(o, "firstTimestamp");
    if (first.empty()) first = string_at(o, "eventTime");
    auto since = [&](const std::string& t) -> std::string {
      auto tp = parse_rfc3339(t);
      if (!tp) return "<unknown>";
      return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *tp));
    };
    std::string object = string_at(o, "involvedObject.kind");
    std::transform(object.begin(), object.end(), object.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    object += "/" + string_at(o, "involvedObject.name");
    std::string source = string_at(o, "source.component");
    if (source.empty()) source = string_at(o, "reportingComponent");
    const auto* count = o.if_contains("count");
    return {json::value(since(last)), json::value(string_at(o, "type")), json::value(string_at(o, "reason")),
            json::value(object), json::value(string_at(o, "involvedObject.fieldPath")), json::value(source),
            json::value(string_at(o, "message")), json::value(since(first)),
            count != nullptr && count->is_number() ? *count : json::value(1), json::value(name)};
  }
  if (r == "leases") return {json::value(name), json::value(string_at(o, "spec.holderIdentity")), json::value(age)};
  if (r == "deployments") {
    auto num = [&](std::string_view p) -> std::int64_t {
      const auto* v = find_path(o, p);
      return v != nullptr && v->is_number() ? int_of(*v) : 0;
    };
    std::string containers, images;
    if (const auto* c = find_path(o, "spec.template.spec.containers"); c != nullptr && c->is_array())
      for (const auto& x : c->get_array())
        if (x.is_object()) {
          containers += (containers.empty() ? "" : ",") + string_at(x.get_object(), "name");
          images += (images.empty() ? "" : ",") + string_at(x.get_object(), "image");
        }
    const auto* replicas = find_path(o, "spec.replicas");
    std::int64_t want = replicas != nullptr && replicas->is_number() ? int_of(*replicas) : 1;
    return {json::value(name), json::value(std::to_string(num("status.readyReplicas")) + "/" + std::to_string(want)),
            json::value(num("status.updatedReplicas")), json::value(num("status.availableReplicas")), json::value(age),
            json::value(containers), json::value(images), json::value("<none>")};
  }
  if (r == "poddisruptionbudgets") {
    auto text = [&](std::string_view p) {
      const auto* v = find_path(o, p);
      return v == nullptr ? std::string("N/A") : number_text(*v);
    };
    const auto* allowed = find_path(o, "status.disruptionsAllowed");
    return {json::value(name), json::value(text("spec.minAvailable")), json::value(text("spec.maxUnavailable")),
            allowed != nullptr && allowed->is_number() ? *allowed : json::value(0), json::value(age)};
  }
  if (r == "rolebindings" || r == "clusterrolebindings")
    return {json::value(name), json::value(string_at(o, "roleRef.kind") + "/" + string_at(o, "roleRef.name")),
            json::value(age), json::value(""), json::value(""), json::value("")};
  if (r == "mutatingwebhookconfigurations" || r == "validatingwebhookconfigurations")
    return {json::value(name), json::value(size_of(o, "webhooks")), json::value(age)};
  return {json::value(name), json::value(string_at(o, "metadata.creationTimestamp"))};
}

json::value custom_cell(const PrinterColumn& column, const json::object& o, Now now) {
  auto results = json_path(o, column.json_path);
  if (results.empty()) return nullptr;
  const json::value& v = results.front();
  if (v.is_null()) return nullptr;
  if (column.type == "string") return v.is_string() ? json::value(v.get_string()) : json::value(to_json(v));
  if (column.type == "integer") {
    if (v.is_number()) return v.to_number<double>() == static_cast<double>(static_cast<std::int64_t>(v.to_number<double>()))
                                   ? json::value(static_cast<std::int64_t>(v.to_number<double>()))
                                   : json::value(static_cast<std::int64_t>(v.to_number<double>()));
    return nullptr;
  }
  if (column.type == "number") return v.is_number() ? v : json::value(nullptr);
  if (column.type == "boolean") return v.is_bool() ? v : json::value(nullptr);
  if (column.type == "date") {
    if (!v.is_string()) return nullptr;
    auto t = parse_rfc3339(v.get_string());
    if (!t) return "<invalid>";
    return json::value(human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *t)));
  }
  return nullptr;
}

// ---- JSONPath subset ----

struct Step {
  enum class Kind { field, index, all, filter };
  Step() = default;
  Step(Kind k, std::string n) : kind(k), name(std::move(n)) {}
  Kind kind = Kind::field;
  std::string name;
  long index = 0;
  std::string filter_path;   // relative to @
  json::value filter_value;
  bool filter_exists_only = false;
};

bool parse_steps(std::string expr, std::vector<Step>& steps) {
  if (expr.size() >= 2 && expr.front() == '{' && expr.back() == '}') expr = expr.substr(1, expr.size() - 2);
  std::size_t i = 0;
  if (!expr.empty() && expr[0] == '$') i = 1;
  while (i < expr.size()) {
    if (expr[i] == '.') {
      ++i;
      // A backslash escapes the next character, as in client-go's JSONPath: a key with dots
      // (`.metadata.annotations.dragops\.io/owner`, `.data.tls\.crt`).
      std::string name;
      while (i < expr.size() && expr[i] != '.' && expr[i] != '[') {
        if (expr[i] == '\\' && i + 1 < expr.size()) ++i;
        name += expr[i++];
      }
      if (name.empty()) return false;
      steps.push_back({Step::Kind::field, std::move(name)});
    } else if (expr[i] == '[') {
      auto close = expr.find(']', i);
      if (expr.compare(i, 3, "[?(") == 0) close = expr.find(")]", i) + 1;
      if (close == std::string::npos || close == 0) return false;
      std::string inside = expr.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inside == "*") {
        steps.push_back({Step::Kind::all, ""});
      } else if (!inside.empty() && (inside.front() == '\'' || inside.front() == '"')) {
        steps.push_back({Step::Kind::field, inside.substr(1, inside.size() - 2)});
      } else if (inside.starts_with("?(") && inside.back() == ')') {
        std::string cond = inside.substr(2, inside.size() - 3);
        Step s;
        s.kind = Step::Kind::filter;
        auto eq = cond.find("==");
        std::string lhs = cond.substr(0, eq);
        while (!lhs.empty() && lhs.back() == ' ') lhs.pop_back();
        if (!lhs.starts_with("@.")) return false;
        s.filter_path = lhs.substr(2);
        if (eq == std::string::npos) {
          s.filter_exists_only = true;
        } else {
          std::string rhs = cond.substr(eq + 2);
          while (!rhs.empty() && rhs.front() == ' ') rhs.erase(0, 1);
          if (!rhs.empty() && (rhs.front() == '"' || rhs.front() == '\''))
            s.filter_value = json::value(rhs.substr(1, rhs.size() - 2));
          else if (rhs == "true" || rhs == "false")
            s.filter_value = rhs == "true";
          else
            s.filter_value = std::strtod(rhs.c_str(), nullptr);
        }
        steps.push_back(std::move(s));
      } else {
        char* end = nullptr;
        long idx = std::strtol(inside.c_str(), &end, 10);
        if (*end != '\0') return false;
        Step s;
        s.kind = Step::Kind::index;
        s.index = idx;
        steps.push_back(std::move(s));
      }
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<json::value> json_path(const json::value& root, const std::string& expression) {
  std::vector<Step> steps;
  if (!parse_steps(expression, steps)) return {};
  std::vector<json::value> current{root};
  for (const auto& step : steps) {
    std::vector<json::value> next;
    for (const auto& v : current) {
      switch (step.kind) {
        case Step::Kind::field:
          if (v.is_object())
            if (const auto* f = v.get_object().if_contains(step.name)) next.push_back(*f);
          break;
        case Step::Kind::index:
          if (v.is_array()) {
            long n = static_cast<long>(v.get_array().size());
            long idx = step.index < 0 ? n + step.index : step.index;
            if (idx >= 0 && idx < n) next.push_back(v.get_array()[static_cast<std::size_t>(idx)]);
          }
          break;
        case Step::Kind::all:
          if (v.is_array()) for (const auto& x : v.get_array()) next.push_back(x);
          if (v.is_object()) for (const auto& kv : v.get_object()) next.push_back(kv.value());
          break;
        case Step::Kind::filter:
          if (v.is_array())
            for (const auto& x : v.get_array()) {
              if (!x.is_object()) continue;
              const auto* f = find_path(x.get_object(), step.filter_path);
              if (f == nullptr) continue;
              if (step.filter_exists_only || json_equal(*f, step.filter_value)) next.push_back(x);
            }
          break;
      }
    }
    current = std::move(next);
  }
  return current;
}

json::object to_table(const ResourceType& type, const std::vector<ObjectPtr>& items, const std::string& include_object,
                      Now now) {
  json::array columns;
  auto add_column = [&](const Column& c) {
    columns.push_back(json::object{{"name", c.name}, {"type", c.type}, {"format", c.format},
                                   {"description", c.description}, {"priority", c.priority}});
  };
  std::vector<PrinterColumn> custom = type.columns;
  if (type.custom) {
    add_column(kName);
    if (custom.empty()) custom.push_back({"Age", "date", "", kAge.description, ".metadata.creationTimestamp", 0});
    for (const auto& c : custom) add_column({c.name, c.type, c.format, c.description, c.priority});
  } else {
    for (const auto& c : builtin_columns(type)) add_column(c);
  }
  json::array rows;
  for (const auto& item : items) {
    json::array cells;
    if (type.custom) {
      cells.push_back(json::value(string_at(*item, "metadata.name")));
      for (const auto& c : custom) cells.push_back(custom_cell(c, *item, now));
    } else {
      for (auto& cell : builtin_cells(type, *item, now)) cells.push_back(std::move(cell));
    }
    json::object row{{"cells", std::move(cells)}};
    if (include_object == "Object") {
      row["object"] = *item;
    } else if (include_object != "None") {
      row["object"] = json::object{{"kind", "PartialObjectMetadata"},
                                   {"apiVersion", "meta.k8s.io/v1"},
                                   {"metadata", object_or_empty(*item, "metadata")}};
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", json::object{}},
          {"columnDefinitions", std::move(columns)},
          {"rows", std::move(rows)}};
}

}  // namespace dragops::apiserver
