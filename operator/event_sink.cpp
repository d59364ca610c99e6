#include "operator/event_sink.hpp"

#include "common/log.hpp"
#include "store/json_access.hpp"

#include <cstdio>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

json::object build_event(const json::object& involved, const EventSpec& event, std::string_view component,
                         std::string_view now, std::uint64_t sequence) {
  const auto name = meta_string(involved, "name");
  const auto ns = meta_string(involved, "namespace");
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".%llx%04llx", static_cast<unsigned long long>(std::time(nullptr)),
                static_cast<unsigned long long>(sequence & 0xffff));
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", json::object{{"name", std::string(name) + suffix}, {"namespace", ns.empty() ? "default" : ns}}},
      {"involvedObject", json::object{{"apiVersion", string_at(involved, "apiVersion")},
                                      {"kind", string_at(involved, "kind")},
                                      {"name", name},
                                      {"namespace", ns},
                                      {"uid", meta_string(involved, "uid")},
                                      {"resourceVersion", meta_string(involved, "resourceVersion")}}},
      {"reason", event.reason},
      {"message", event.message},
      {"type", event.type},
      {"source", json::object{{"component", component}}},
      {"reportingComponent", component},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1}};
}

void ApiEventSink::emit(const json::object& involved, const EventSpec& event) {
  auto object = build_event(involved, event, component_, format_time(clock_()), ++sequence_);
  const auto ns = std::string(object.at("metadata").at("namespace").as_string());
  auto created = api_.create(kube::gvr::events(), ns, object);
  if (!created)
    log::warn("event not recorded", {{"reason", json::value(event.reason)}, {"code", created.error().code}});
}

}  // namespace dragops::op
