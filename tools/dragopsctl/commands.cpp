#include "commands.hpp"

#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"
#include "crypto/keyring.hpp"
#include "files.hpp"

#include <unistd.h>

#include <charconv>
#include <iostream>
#include <map>
#include <optional>

namespace dragops::dragopsctl {
namespace {

using crypto::Keyring;
using crypto::SecretBytes;

constexpr const char* kUsageText =
    "usage:\n"
    "  dragopsctl keyring generate [-o FILE]     new key ring (version 1 primary), to FILE or stdout\n"
    "  dragopsctl keyring rotate FILE            add a version and make it primary\n"
    "  dragopsctl keyring retire FILE VERSION    remove a version that is not the primary\n"
    "  dragopsctl keyring show FILE              versions and primary (never key bytes)\n"
    "  dragopsctl seal --keyring FILE --namespace NS --kind KIND --name NAME --uid UID --item ITEM\n"
    "                                            plaintext on stdin, envelope (base64) on stdout\n"
    "  dragopsctl open --keyring FILE --namespace NS --kind KIND --name NAME --uid UID --item ITEM\n"
    "                                            envelope (base64) on stdin, plaintext on stdout\n"
    "sealing to the cluster (docs/sealing.md); KEY is --public-key FILE or --from-cluster\n"
    "  [--kubeconfig PATH] [--context NAME] [--operator-namespace NS]:\n"
    "  dragopsctl seal KEY --namespace NS --kind Connection|Secret --name NAME --item FIELD_OR_ENV [-o FILE]\n"
    "                                            plaintext on stdin, sealed value (one line of base64) out\n"
    "  dragopsctl seal KEY -f FILE|- [--namespace NS] [-o FILE]\n"
    "                                            manifests with spec.credentials.<field> / spec.environments\n"
    "                                            .<env>.value in plaintext -> sealedCredentials / sealedValue\n"
    "  dragopsctl sealing-key [--kubeconfig ...] [-o FILE]   the cluster's public key, for --public-key\n"
    "  dragopsctl kubectl ...                    the kubectl plugin (kubectl dragops --help)\n"
    "exit codes: 0 ok, 1 usage, 2 bad file or input, 3 authentication failed or unknown key version,\n"
    "            4 the cluster's sealing key cannot be read (kubeconfig, API error, not published)\n";

int fail(int code, const std::string& message) {
  std::cerr << "dragopsctl: " << message << "\n";
  return code;
}

int usage_error(const std::string& message) {
  std::cerr << "dragopsctl: " << message << "\n";
  print_usage(true);
  return kUsage;
}

std::optional<Keyring> load_ring(const std::string& path, int& code) {
  FileError error;
  const auto text = read_secret_file(path, error);
  if (!text) {
    code = fail(kBadInput, error.message);
    return std::nullopt;
  }
  auto ring = Keyring::load(text->view());
  if (!ring) {
    code = fail(kBadInput, path + ": " + ring.error());
    return std::nullopt;
  }
  return std::move(*ring);
}

int store_ring(const std::string& path, const Keyring& ring, bool create_only) {
  FileError error;
  if (!write_secret_file(path, ring.serialise(), create_only, error)) return fail(kBadInput, error.message);
  return kOk;
}

bool write_stdout(std::span<const std::uint8_t> bytes) {
  const auto* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(STDOUT_FILENO, data, left);
    if (written < 0) return false;
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  return true;
}

void print_ring(const Keyring& ring) {
  std::cout << "primary: " << ring.primary() << "\nversions:";
  for (auto version : ring.versions()) std::cout << ' ' << version;
  std::cout << "\n";
}

std::optional<std::uint32_t> parse_version(const std::string& text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

// The options seal and open share; every one is required.
struct SealOptions {
  std::string keyring;
  crypto::Context context;
};

std::optional<SealOptions> parse_seal_options(const Args& args, std::string& problem) {
  SealOptions options;
  std::map<std::string, std::string*> targets = {
      {"--keyring", &options.keyring},     {"--namespace", &options.context.namespace_},
      {"--kind", &options.context.kind},   {"--name", &options.context.name},
      {"--uid", &options.context.uid},     {"--item", &options.context.item},
  };
  std::map<std::string, bool> given;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const auto target = targets.find(args[i]);
    if (target == targets.end()) {
      problem = "unknown option " + args[i];
      return std::nullopt;
    }
    if (i + 1 >= args.size()) {
      problem = args[i] + " needs a value";
      return std::nullopt;
    }
    *target->second = args[i + 1];
    given[args[i]] = true;
  }
  for (const auto& [name, target] : targets) {
    if (!given[name]) {
      problem = "missing " + name;
      return std::nullopt;
    }
  }
  return options;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

void print_usage(bool to_stderr) { (to_stderr ? std::cerr : std::cout) << kUsageText; }

int keyring_generate(const Args& args) {
  const auto ring = Keyring::generate();
  if (args.empty()) {
    const auto text = ring.serialise();
    return write_stdout(text.span()) ? kOk : fail(kBadInput, "cannot write to stdout");
  }
  if (args.size() != 2 || args[0] != "-o") return usage_error("keyring generate takes only [-o FILE]");
  const int code = store_ring(args[1], ring, /*create_only=*/true);
  if (code == kOk) std::cerr << "dragopsctl: wrote " << args[1] << " (version 1, primary)\n";
  return code;
}

int keyring_rotate(const Args& args) {
  if (args.size() != 1) return usage_error("keyring rotate takes FILE");
  int code = kOk;
  auto ring = load_ring(args[0], code);
  if (!ring) return code;
  ring->rotate();
  code = store_ring(args[0], *ring, /*create_only=*/false);
  if (code == kOk) print_ring(*ring);
  return code;
}

int keyring_retire(const Args& args) {
  if (args.size() != 2) return usage_error("keyring retire takes FILE VERSION");
  const auto version = parse_version(args[1]);
  if (!version) return usage_error("VERSION must be a positive integer, not '" + args[1] + "'");
  int code = kOk;
  auto ring = load_ring(args[0], code);
  if (!ring) return code;
  if (!ring->has(*version)) return fail(kBadInput, "version " + args[1] + " is not in " + args[0]);
  if (!ring->retire(*version)) {
    return fail(kBadInput, "version " + args[1] + " is the primary; rotate before retiring it");
  }
  code = store_ring(args[0], *ring, /*create_only=*/false);
  if (code == kOk) print_ring(*ring);
  return code;
}

int keyring_show(const Args& args) {
  if (args.size() != 1) return usage_error("keyring show takes FILE");
  int code = kOk;
  const auto ring = load_ring(args[0], code);
  if (!ring) return code;
  print_ring(*ring);
  return kOk;
}

int seal_value(const Args& args) {
  std::string problem;
  const auto options = parse_seal_options(args, problem);
  if (!options) return usage_error("seal: " + problem);
  int code = kOk;
  const auto ring = load_ring(options->keyring, code);
  if (!ring) return code;
  const auto plaintext = read_stdin();
  if (!plaintext) return fail(kBadInput, "cannot read stdin");
  const auto envelope = crypto::seal(*ring, options->context, plaintext->span());
  std::cout << crypto::base64_encode(envelope) << "\n";
  return kOk;
}

int open_value(const Args& args) {
  std::string problem;
  const auto options = parse_seal_options(args, problem);
  if (!options) return usage_error("open: " + problem);
  int code = kOk;
  const auto ring = load_ring(options->keyring, code);
  if (!ring) return code;
  const auto input = read_stdin();
  if (!input) return fail(kBadInput, "cannot read stdin");
  const auto envelope = crypto::base64_decode(trim(input->view()));
  if (!envelope) return fail(kBadInput, "stdin is not a base64 envelope");
  const auto opened = crypto::open(*ring, options->context, *envelope);
  if (!opened) {
    const auto error = opened.error();
    std::string message(crypto::to_string(error));
    if (error == crypto::OpenError::unknown_key_version) {
      message += " " + std::to_string(*crypto::key_version_of(*envelope)) + " (not in " + options->keyring + ")";
    }
    const bool cannot_open = error == crypto::OpenError::unknown_key_version ||
                             error == crypto::OpenError::authentication_failed;
    return fail(cannot_open ? kCannotOpen : kBadInput, message);
  }
  return write_stdout(opened->span()) ? kOk : fail(kBadInput, "cannot write to stdout");
}

}  // namespace dragops::dragopsctl
