#pragma once
// The Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) for the few kinds that kubectl's
// typed generators send as protobuf (`kubectl create namespace|secret|configmap|
// serviceaccount`), and the DeleteOptions body client-go's typed clients send with a DELETE
// (helm's release storage), decoded into the JSON form the rest of the server works on. Other
// kinds are refused with 415, like a server that does not speak protobuf.

#include "apiserver/api_error.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace dragops::apiserver {

Result<boost::json::value> protobuf_to_json(std::string_view body);

}  // namespace dragops::apiserver
