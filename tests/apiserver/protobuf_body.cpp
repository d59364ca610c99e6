#include "apiserver/protobuf_body.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>

namespace dragops::apiserver {

namespace {

struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire = 0;
  std::uint64_t varint = 0;
  std::string_view bytes;
};

// Calls `fn` for every field of a message; false on malformed input.
bool each_field(std::string_view msg, const std::function<bool(const Field&)>& fn) {
  std::size_t i = 0;
  auto varint = [&](std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= msg.size()) return false;
      auto b = static_cast<unsigned char>(msg[i++]);
      out |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < msg.size()) {
    std::uint64_t key = 0;
    if (!varint(key)) return false;
    Field f;
    f.number = static_cast<std::uint32_t>(key >> 3);
    f.wire = static_cast<std::uint32_t>(key & 7);
    switch (f.wire) {
      case 0:
        if (!varint(f.varint)) return false;
        break;
      case 1:
        if (i + 8 > msg.size()) return false;
        i += 8;
        break;
      case 2: {
        std::uint64_t len = 0;
        if (!varint(len) || len > msg.size() - i) return false;
        f.bytes = msg.substr(i, len);
        i += len;
        break;
      }
      case 5:
        if (i + 4 > msg.size()) return false;
        i += 4;
        break;
      default: return false;
    }
    if (!fn(f)) return false;
  }
  return true;
}

bool map_entry(std::string_view entry, std::string& key, std::string& value) {
  return each_field(entry, [&](const Field& f) {
    if (f.number == 1 && f.wire == 2) key = f.bytes;
    if (f.number == 2 && f.wire == 2) value = f.bytes;
    return true;
  });
}

bool object_meta(std::string_view msg, json::object& meta) {
  return each_field(msg, [&](const Field& f) {
    if (f.wire != 2) return true;
    switch (f.number) {
      case 1: meta["name"] = f.bytes; break;
      case 2: meta["generateName"] = f.bytes; break;
      case 3: meta["namespace"] = f.bytes; break;
      case 11:
      case 12: {
        std::string k, v;
        if (!map_entry(f.bytes, k, v)) return false;
        ensure_object(meta, f.number == 11 ? "labels" : "annotations")[k] = v;
        break;
      }
      case 14: {
        auto& list = meta["finalizers"];
        if (!list.is_array()) list = json::array{};
        list.get_array().emplace_back(f.bytes);
        break;
      }
      default: break;
    }
    return true;
  });
}

// meta/v1 DeleteOptions (generated.proto): gracePeriodSeconds 1, preconditions 2 {uid 1,
// resourceVersion 2}, orphanDependents 3, propagationPolicy 4, dryRun 5 (repeated).
bool delete_options(std::string_view msg, json::object& out) {
  return each_field(msg, [&](const Field& f) {
    if (f.number == 1 && f.wire == 0) out["gracePeriodSeconds"] = static_cast<std::int64_t>(f.varint);
    if (f.number == 2 && f.wire == 2) {
      return each_field(f.bytes, [&](const Field& p) {
        if (p.wire == 2 && (p.number == 1 || p.number == 2))
          ensure_object(out, "preconditions")[p.number == 1 ? "uid" : "resourceVersion"] = p.bytes;
        return true;
      });
    }
    if (f.number == 3 && f.wire == 0) out["orphanDependents"] = f.varint != 0;
    if (f.number == 4 && f.wire == 2) out["propagationPolicy"] = f.bytes;
    if (f.number == 5 && f.wire == 2) {
      auto& list = out["dryRun"];
      if (!list.is_array()) list = json::array{};
      list.get_array().emplace_back(f.bytes);
    }
    return true;
  });
}

}  // namespace

Result<json::value> protobuf_to_json(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (!body.starts_with(kMagic)) return errors::bad_request("protobuf body without the k8s envelope");
  std::string api_version, kind;
  std::string_view raw;
  bool ok = each_field(body.substr(4), [&](const Field& f) {
    if (f.number == 1 && f.wire == 2)
      return each_field(f.bytes, [&](const Field& t) {
        if (t.number == 1 && t.wire == 2) api_version = t.bytes;
        if (t.number == 2 && t.wire == 2) kind = t.bytes;
        return true;
      });
    if (f.number == 2 && f.wire == 2) raw = f.bytes;
    return true;
  });
  if (!ok) return errors::bad_request("malformed protobuf body");
  // client-go's typed clients (helm's release storage among them) send a DELETE's options so.
  if (kind == "DeleteOptions" && (api_version == "v1" || api_version == "meta.k8s.io/v1")) {
    json::object options{{"apiVersion", api_version}, {"kind", kind}};
    if (!delete_options(raw, options)) return errors::bad_request("malformed protobuf body");
    return json::value(std::move(options));
  }
  if (api_version != "v1" || (kind != "Namespace" && kind != "Secret" && kind != "ConfigMap" && kind != "ServiceAccount"))
    return ApiError{415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    "application/json, application/yaml (protobuf only for core/v1 Namespace, Secret, ConfigMap, "
                    "ServiceAccount and DeleteOptions)"};
  json::object obj{{"apiVersion", api_version}, {"kind", kind}};
  ok = each_field(raw, [&](const Field& f) {
    if (f.number == 1 && f.wire == 2) return object_meta(f.bytes, ensure_object(obj, "metadata"));
    if (kind == "Namespace" && f.number == 2 && f.wire == 2) {
      return each_field(f.bytes, [&](const Field& s) {
        if (s.number == 1 && s.wire == 2) {
          auto& list = ensure_object(obj, "spec")["finalizers"];
          if (!list.is_array()) list = json::array{};
          list.get_array().emplace_back(s.bytes);
        }
        return true;
      });
    }
    if (kind == "Secret") {
      if ((f.number == 2 || f.number == 4) && f.wire == 2) {
        std::string k, v;
        if (!map_entry(f.bytes, k, v)) return false;
        if (f.number == 2) ensure_object(obj, "data")[k] = base64_encode(v);
        else ensure_object(obj, "stringData")[k] = v;
      }
      if (f.number == 3 && f.wire == 2) obj["type"] = f.bytes;
      if (f.number == 5 && f.wire == 0) obj["immutable"] = f.varint != 0;
    }
    if (kind == "ConfigMap") {
      if ((f.number == 2 || f.number == 3) && f.wire == 2) {
        std::string k, v;
        if (!map_entry(f.bytes, k, v)) return false;
        if (f.number == 2) ensure_object(obj, "data")[k] = v;
        else ensure_object(obj, "binaryData")[k] = base64_encode(v);
      }
      if (f.number == 4 && f.wire == 0) obj["immutable"] = f.varint != 0;
    }
    if (kind == "ServiceAccount") {
      if (f.number == 3 && f.wire == 2) {
        std::string name;
        each_field(f.bytes, [&](const Field& r) {
          if (r.number == 1 && r.wire == 2) name = r.bytes;
          return true;
        });
        auto& list = obj["imagePullSecrets"];
        if (!list.is_array()) list = json::array{};
        list.get_array().push_back(json::object{{"name", name}});
      }
      if (f.number == 4 && f.wire == 0) obj["automountServiceAccountToken"] = f.varint != 0;
    }
    return true;
  });
  if (!ok) return errors::bad_request("malformed protobuf body");
  return json::value(std::move(obj));
}

}  // namespace dragops::apiserver
