// The C++ side of the HPKE interop test (run.sh), with the same commands as interop.mjs, through
// src/crypto's public HPKE and sealed-value API. Every value is hex.
//
//   hpke_interop_tool keygen                                  -> {"private_key", "public_key"}
//   hpke_interop_tool seal PUBLIC_KEY CASES                   -> [{"enc", "ct", "exported", "sealed_value"}]
//   hpke_interop_tool open PRIVATE_KEY PUBLIC_KEY CASES SEALED   exits 1 on any mismatch

#include "../hex.hpp"
#include "crypto/hpke.hpp"
#include "crypto/sealed_value.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace {

using namespace dragops::crypto;
using testing::from_hex;
using testing::to_hex;

boost::json::array read_json_array(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::ostringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str()).as_array();
}

std::string hex(std::span<const std::uint8_t> bytes) { return to_hex({bytes.begin(), bytes.end()}); }
std::string hex(const SecretBytes& bytes) { return hex(bytes.span()); }
std::vector<std::uint8_t> field(const boost::json::value& object, std::string_view name) {
  return from_hex(object.at(name).as_string());
}

template <typename T, typename E>
T must(boost::system::result<T, E> result, std::string_view what) {
  if (!result) throw std::runtime_error(std::string(what) + " failed");
  return std::move(*result);
}

hpke::Aead aead_of(const boost::json::value& c) {
  return c.at("aead").as_int64() == 1 ? hpke::Aead::aes_128_gcm : hpke::Aead::aes_256_gcm;
}

int keygen() {
  const auto pair = must(hpke::generate_key_pair(), "generate_key_pair");
  std::cout << boost::json::serialize(
                   boost::json::object{{"private_key", hex(pair.private_key)}, {"public_key", hex(pair.public_key)}})
            << "\n";
  return 0;
}

int seal(const std::string& public_key_hex, const char* cases_path) {
  const auto public_key = from_hex(public_key_hex);
  boost::json::array out;
  for (const auto& c : read_json_array(cases_path)) {
    auto sender = must(hpke::setup_base_s(aead_of(c), public_key, field(c, "info")), "setup_base_s");
    const auto ct = must(sender.seal(field(c, "aad"), field(c, "pt")), "seal");
    const auto length = static_cast<std::size_t>(c.at("L").as_int64());
    const auto exported = must(sender.export_secret(field(c, "exporter_context"), length), "export");
    const auto value = must(seal_value(public_key, field(c, "info"), field(c, "aad"), field(c, "pt")), "seal_value");
    out.push_back(boost::json::object{
        {"enc", hex(sender.enc())}, {"ct", hex(ct)}, {"exported", hex(exported)}, {"sealed_value", hex(value)}});
  }
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

int open(const std::string& private_key_hex, const std::string& public_key_hex, const char* cases_path,
         const char* sealed_path) {
  const auto recipient = must(hpke::key_pair_from_private_key(from_hex(private_key_hex)), "private key");
  if (hex(recipient.public_key) != public_key_hex) throw std::runtime_error("the key pair does not match");
  const auto cases = read_json_array(cases_path);
  const auto sealed = read_json_array(sealed_path);
  if (sealed.size() != cases.size()) throw std::runtime_error("not one sealed result per case");
  int failures = 0;
  auto check = [&](const boost::json::value& c, std::string_view what, bool ok) {
    if (ok) return;
    std::cerr << "FAILED: " << c.at("name").as_string() << ": " << what << "\n";
    ++failures;
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const auto& got = sealed[i];
    const auto pt = c.at("pt").as_string();

    auto receiver = hpke::setup_base_r(aead_of(c), field(got, "enc"), recipient, field(c, "info"));
    check(c, "setup_base_r", receiver.has_value());
    if (!receiver) continue;
    const auto opened = receiver->open(field(c, "aad"), field(got, "ct"));
    check(c, "raw HPKE opens to the plaintext", opened && hex(*opened) == pt);
    const auto length = static_cast<std::size_t>(c.at("L").as_int64());
    const auto exported = receiver->export_secret(field(c, "exporter_context"), length);
    check(c, "export", exported && hex(*exported) == got.at("exported").as_string());
    auto other_info = field(c, "info");
    other_info.push_back('!');
    check(c, "raw HPKE refuses another info",
          !hpke::open_base(aead_of(c), field(got, "enc"), recipient, other_info, field(c, "aad"), field(got, "ct")));

    const auto value = field(got, "sealed_value");
    const auto parsed = parse_sealed_value(value);
    check(c, "sealed value parses and names this key", parsed && parsed->key_id == key_id_of(recipient.public_key));
    const auto plain = open_sealed_value(recipient, field(c, "info"), field(c, "aad"), value);
    check(c, "sealed value opens to the plaintext", plain && hex(*plain) == pt);
    auto other_aad = field(c, "aad");
    other_aad.push_back('!');
    const auto refused = open_sealed_value(recipient, field(c, "info"), other_aad, value);
    check(c, "sealed value refuses another aad",
          !refused && refused.error() == SealedValueError::authentication_failed);
  }
  std::cerr << "C++ opened " << cases.size() << " raw HPKE messages and " << cases.size()
            << " sealed values from the other side: " << failures << " failed checks\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 1 && args[0] == "keygen") return keygen();
    if (args.size() == 3 && args[0] == "seal") return seal(args[1], argv[3]);
    if (args.size() == 5 && args[0] == "open") return open(args[1], args[2], argv[4], argv[5]);
  } catch (const std::exception& error) {
    std::cerr << "hpke_interop_tool: " << error.what() << "\n";
    return 1;
  }
  std::cerr << "usage: hpke_interop_tool keygen | seal PUBLIC_KEY CASES | open PRIVATE_KEY PUBLIC_KEY CASES SEALED\n";
  return 2;
}
