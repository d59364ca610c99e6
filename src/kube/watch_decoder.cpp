#include "kube/watch_decoder.hpp"

#include <boost/json/parse.hpp>

namespace dragops::kube {

WatchDecoder::Outcome WatchDecoder::deliver(std::string_view line, const std::function<bool(WatchEvent&&)>& on_event) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line.empty()) return Outcome::more;
  boost::system::error_code ec;
  auto value = boost::json::parse(line, ec);
  if (ec || !value.is_object()) {
    error_ = "watch stream line is not a JSON object";
    return Outcome::malformed;
  }
  auto& object = value.as_object();
  const auto* type = object.if_contains("type");
  auto* inner = object.if_contains("object");
  if (!type || !type->is_string() || !inner || !inner->is_object()) {
    error_ = "watch event lacks a type or an object";
    return Outcome::malformed;
  }
  WatchEvent event{std::string(type->as_string()), std::move(inner->as_object())};
  return on_event(std::move(event)) ? Outcome::more : Outcome::stopped;
}

WatchDecoder::Outcome WatchDecoder::feed(std::string_view bytes, const std::function<bool(WatchEvent&&)>& on_event) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      if (pending_.size() + bytes.size() > max_line_bytes_) {
        error_ = "watch event exceeds the size limit";
        return Outcome::malformed;
      }
      pending_.append(bytes);
      return Outcome::more;
    }
    Outcome outcome;
    if (pending_.empty()) {
      outcome = deliver(bytes.substr(0, newline), on_event);
    } else {
      pending_.append(bytes.substr(0, newline));
      std::string line;
      line.swap(pending_);
      outcome = deliver(line, on_event);
    }
    bytes.remove_prefix(newline + 1);
    if (outcome != Outcome::more) return outcome;
  }
  return Outcome::more;
}

WatchDecoder::Outcome WatchDecoder::finish(const std::function<bool(WatchEvent&&)>& on_event) {
  std::string line;
  line.swap(pending_);
  return deliver(line, on_event);
}

}  // namespace dragops::kube
