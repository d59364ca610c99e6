#pragma once
// Structured JSON logs, one object per line on stderr.
//
// Fields are typed key/value pairs; there is deliberately no overload taking a secret type
// (crypto::SecretBytes has no conversion to string), so a credential cannot be logged by
// accident. Callers log names, reasons and counts, never values.

#include <boost/json/value.hpp>

#include <initializer_list>
#include <string_view>
#include <utility>

namespace dragops::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
// "debug" | "info" | "warn" | "error"; false if the name is not one of them.
bool parse_level(std::string_view name, Level& out);

// Tags every line with {"component": name}.
void set_component(std::string_view name);

using Field = std::pair<std::string_view, boost::json::value>;

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

// Writes lines that a caller formatted itself (each a JSON object ending in '\n', e.g. the
// sidecar's buffered audit lines) to the same stream, in one piece: never interleaved with a
// line that write() prints at the same time.
void write_lines(std::string_view lines);

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::error, m, f); }

}  // namespace dragops::log
