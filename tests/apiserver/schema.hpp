#pragma once
// Structural OpenAPI v3 schemas as CustomResourceDefinitions declare them: defaulting, pruning
// of unknown fields and validation, with the field paths and messages kube-apiserver reports.
//
// Supported: type, nullable, properties, required, additionalProperties (schema or bool), items,
// enum, pattern, format (the formats kube checks: email, uri, date-time, date, hostname, ipv4,
// ipv6, uuid, byte, cidr, mac, duration), minLength/maxLength, minimum/maximum (+exclusive),
// multipleOf, minItems/maxItems, uniqueItems, minProperties/maxProperties, allOf/anyOf/oneOf/not,
// x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string,
// x-kubernetes-embedded-resource, x-kubernetes-list-type set/map. Not supported: CEL rules
// (x-kubernetes-validations), which are ignored.

#include "apiserver/api_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace dragops::apiserver::schema {

// Fills in `default`s (after dropping nulls the schema does not allow).
void apply_defaults(boost::json::value& value, const boost::json::object& schema);

// Removes fields the schema does not declare; returns their paths ("spec.foo") for
// fieldValidation=Strict|Warn. `root` keeps apiVersion, kind and metadata at the top.
std::vector<std::string> prune(boost::json::value& value, const boost::json::object& schema, bool root = true);

// Field errors; empty when valid.
std::vector<Cause> validate(const boost::json::value& value, const boost::json::object& schema,
                            const std::string& path = "");

}  // namespace dragops::apiserver::schema
