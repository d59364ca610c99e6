// dragopsctl: key-ring administration, data-key envelopes by hand (disaster recovery, docs), and
// sealing credentials to the cluster's public key (dragopsctl seal, and kubectl dragops).

#include "commands.hpp"
#include "seal_commands.hpp"

#include "crypto/core_dumps.hpp"
#include "crypto/secret_bytes.hpp"

#include <algorithm>
#include <cstring>
#include <iostream>

namespace {

using namespace dragops::dragopsctl;

int run(const Args& words) {
  const auto is = [&](std::size_t i, const char* word) { return words.size() > i && words[i] == word; };
  const auto rest = [&](std::size_t from) { return Args(words.begin() + static_cast<long>(from), words.end()); };
  // `seal --keyring` is the data-key envelope; any other seal is to the cluster's public key.
  const auto names_keyring = [](const Args& args) {
    return std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--keyring" || a.starts_with("--keyring="); });
  };
  if (is(0, "-h") || is(0, "--help") || is(0, "help")) {
    print_usage(false);
    return kOk;
  }
  if (is(0, "keyring") && is(1, "generate")) return keyring_generate(rest(2));
  if (is(0, "keyring") && is(1, "rotate")) return keyring_rotate(rest(2));
  if (is(0, "keyring") && is(1, "retire")) return keyring_retire(rest(2));
  if (is(0, "keyring") && is(1, "show")) return keyring_show(rest(2));
  if (is(0, "seal")) return names_keyring(rest(1)) ? seal_value(rest(1)) : seal_to_cluster(rest(1), false);
  if (is(0, "open")) return open_value(rest(1));
  if (is(0, "sealing-key")) return sealing_key(rest(1));
  if (is(0, "kubectl")) return kubectl_plugin(rest(1));
  print_usage(true);
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // It holds key rings and plaintext too: no core file of it either.
  if (const int err = dragops::crypto::forbid_core_dumps()) {
    std::cerr << "dragopsctl: cannot disable core dumps: " << std::strerror(err) << "\n";
    return kBadInput;
  }
  Args words(argv + 1, argv + argc);
  scrub_literal_arguments(argc, argv);   // --from-literal values: only in words from here on
  int code = kBadInput;
  try {
    code = run(words);
  } catch (const std::exception& e) {
    std::cerr << "dragopsctl: " << e.what() << "\n";
  }
  for (auto& word : words) dragops::crypto::wipe(word.data(), word.size());
  return code;
}
