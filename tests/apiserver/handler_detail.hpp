#pragma once
// Helpers shared by the request handler's translation units (not for use elsewhere).

#include "apiserver/handler.hpp"
#include "apiserver/resources.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <string>

namespace dragops::apiserver {

// A request for a resource endpoint, as the router took it apart.
struct Handler::Route {
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  bool watch_path = false;
  std::map<std::string, std::string> query;
  Rendering rendering = Rendering::object;
  std::string include_object = "Metadata";
  UserInfo user;                  // who asks, after impersonation
};

}  // namespace dragops::apiserver

namespace dragops::apiserver::detail {

HttpResponse json_response(int status, const boost::json::value& body);
// The media type without parameters, lower case.
std::string base_type(const std::string& content_type);
// The object as served at `type`'s version.
boost::json::object with_version(const ResourceType& type, const boost::json::object& obj);
// The Status kube answers for a delete that removed the object.
boost::json::object success_status(const ResourceType& type, const boost::json::object& obj);
// RFC 7234 warn-value for a Warning header.
std::string warning_header(const std::string& text);

}  // namespace dragops::apiserver::detail
