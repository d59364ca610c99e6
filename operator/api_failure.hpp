#pragma once
// Error values of the key managers (operator/keys.cpp, operator/sealing/): a message as the
// error type, and a Kubernetes Status described for that message.

#include "kube/api.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace dragops::op {

template <class T>
boost::system::result<T, std::string> failure(std::string message) {
  return {boost::system::in_place_error, std::move(message)};
}

inline std::string describe(const kube::Status& status) {
  return status.reason.empty() ? "API error " + std::to_string(status.code) : status.reason + ": " + status.message;
}

}  // namespace dragops::op
