#pragma once
// The UI's files, bundled into the binary at build time (dashboard/CMakeLists.txt runs
// dashboard/ui/build.sh and dashboard/embed_assets.cmake).

#include "dashboard.hpp"

#include <string_view>

namespace dragops::dashboard {

// "/index.html", "/app.js", "/app.css"; nullptr for anything else.
const Asset* bundled_asset(std::string_view path);

}  // namespace dragops::dashboard
