// dragopsctl: key-ring administration and sealing for operators (disaster recovery, docs).

#include "commands.hpp"

#include "crypto/core_dumps.hpp"

#include <cstring>

#include <iostream>

int main(int argc, char** argv) {
  using namespace dragops::dragopsctl;
  // It holds key rings and plaintext too: no core file of it either.
  if (const int err = dragops::crypto::forbid_core_dumps()) {
    std::cerr << "dragopsctl: cannot disable core dumps: " << std::strerror(err) << "\n";
    return kBadInput;
  }
  const Args words(argv + 1, argv + argc);
  const auto is = [&](std::size_t i, const char* word) { return words.size() > i && words[i] == word; };
  const auto rest = [&](std::size_t from) { return Args(words.begin() + static_cast<long>(from), words.end()); };
  try {
    if (is(0, "-h") || is(0, "--help") || is(0, "help")) {
      print_usage(false);
      return kOk;
    }
    if (is(0, "keyring") && is(1, "generate")) return keyring_generate(rest(2));
    if (is(0, "keyring") && is(1, "rotate")) return keyring_rotate(rest(2));
    if (is(0, "keyring") && is(1, "retire")) return keyring_retire(rest(2));
    if (is(0, "keyring") && is(1, "show")) return keyring_show(rest(2));
    if (is(0, "seal")) return seal_value(rest(1));
    if (is(0, "open")) return open_value(rest(1));
    print_usage(true);
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "dragopsctl: " << e.what() << "\n";
    return kBadInput;
  }
}
