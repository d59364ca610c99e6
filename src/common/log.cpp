#include "common/log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace dragops::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
std::string g_component;

std::string_view level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the format could print (-Werror=format-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(); }

bool parse_level(std::string_view name, Level& out) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (name == level_name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void set_component(std::string_view name) {
  std::lock_guard lock(g_mutex);
  g_component = name;
}

void write(Level l, std::string_view message, std::initializer_list<Field> fields) {
  if (l < g_level.load()) return;
  boost::json::object line;
  line["ts"] = now_rfc3339();
  line["level"] = level_name(l);
  line["msg"] = message;
  for (const auto& [key, value] : fields) line[key] = value;
  std::lock_guard lock(g_mutex);
  if (!g_component.empty()) line["component"] = g_component;
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void write_lines(std::string_view lines) {
  if (lines.empty()) return;
  std::lock_guard lock(g_mutex);
  std::fwrite(lines.data(), 1, lines.size(), stderr);
  std::fflush(stderr);
}

}  // namespace dragops::log
