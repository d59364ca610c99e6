#include "store/names.hpp"

namespace dragops::store {

std::string_view to_string(Kind kind) { return kind == Kind::connection ? "Connection" : "Secret"; }

bool kind_from_string(std::string_view text, Kind& out) {
  if (text == "Connection") out = Kind::connection;
  else if (text == "Secret") out = Kind::secret;
  else return false;
  return true;
}

std::string store_name(Kind kind, std::string_view cr_name) {
  return std::string(kind == Kind::connection ? "dragops-conn-" : "dragops-secret-") + std::string(cr_name);
}

std::string authoritative_keyring_name(std::string_view app_namespace) {
  return "dragops-keyring-" + std::string(app_namespace);
}

std::string_view item_prefix(Kind kind) { return kind == Kind::connection ? kFieldPrefix : kEnvironmentPrefix; }

}  // namespace dragops::store
