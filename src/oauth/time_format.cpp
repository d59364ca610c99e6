#include "oauth/time_format.hpp"

#include <charconv>
#include <cstdio>

namespace dragops::oauth {

namespace {

using namespace std::chrono;

struct Parts {
  year_month_day date;
  hh_mm_ss<microseconds> time;
};

Parts split(system_clock::time_point tp) {
  const auto micros = time_point_cast<microseconds>(tp);
  const auto day = floor<days>(micros);
  return {year_month_day(day), hh_mm_ss<microseconds>(micros - day)};
}

bool read_int(std::string_view& text, std::size_t digits, int& out) {
  if (text.size() < digits) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, out);
  if (ec != std::errc{} || end != text.data() + digits) return false;
  text.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& text, char c) {
  if (text.empty() || (text.front() != c && !(c == 'T' && text.front() == 't'))) return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

std::string format_rfc3339(system_clock::time_point time) {
  const auto [date, t] = split(time);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(t.hours().count()), static_cast<int>(t.minutes().count()),
                static_cast<int>(t.seconds().count()));
  return buffer;
}

std::string format_micro_time(system_clock::time_point time) {
  const auto [date, t] = split(time);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(t.hours().count()), static_cast<int>(t.minutes().count()),
                static_cast<int>(t.seconds().count()), static_cast<int>(t.subseconds().count()));
  return buffer;
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!read_int(text, 4, y) || !expect(text, '-') || !read_int(text, 2, mo) || !expect(text, '-') ||
      !read_int(text, 2, d) || !expect(text, 'T') || !read_int(text, 2, h) || !expect(text, ':') ||
      !read_int(text, 2, mi) || !expect(text, ':') || !read_int(text, 2, s)) {
    return std::nullopt;
  }
  const year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  nanoseconds fraction{0};
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    std::size_t digits = 0;
    std::int64_t value = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      if (digits < 9) {
        value = value * 10 + (text.front() - '0');
        ++digits;
      }
      text.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 9; ++i) value *= 10;
    fraction = nanoseconds(value);
  }
  minutes offset{0};
  if (text == "Z" || text == "z") {
    text.remove_prefix(1);
  } else if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    const int sign = text.front() == '+' ? 1 : -1;
    text.remove_prefix(1);
    int oh = 0, om = 0;
    if (!read_int(text, 2, oh) || !expect(text, ':') || !read_int(text, 2, om)) return std::nullopt;
    offset = minutes(sign * (oh * 60 + om));
  } else {
    return std::nullopt;
  }
  if (!text.empty()) return std::nullopt;
  const auto tp = sys_days(date) + hours(h) + minutes(mi) + seconds(s) + fraction - offset;
  return time_point_cast<system_clock::duration>(tp);
}

}  // namespace dragops::oauth
