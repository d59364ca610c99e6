// AES-256-GCM (and AES-128-GCM, for HPKE) against independent vectors: Project Wycheproof and NIST
// CAVP (tests/testdata/SOURCES.md).

#include "crypto/aead.hpp"
#include "hex.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace dragops::crypto {
namespace {

using testing::from_hex;
using testing::to_hex;

const std::filesystem::path kTestdata = DRAGOPS_TESTDATA;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One AES-GCM key size: the pair of functions under test.
struct Gcm {
  decltype(&aes256gcm_encrypt) encrypt;
  decltype(&aes256gcm_decrypt) decrypt;
};
constexpr Gcm kAes256{&aes256gcm_encrypt, &aes256gcm_decrypt};
constexpr Gcm kAes128{&aes128gcm_encrypt, &aes128gcm_decrypt};

struct Vector {
  std::string id;
  std::vector<std::uint8_t> key, iv, aad, plaintext, ciphertext, tag;
  bool valid = true;
};

// Encrypt must give exactly ciphertext and tag, and decrypt must give the plaintext back.
void expect_valid(const Vector& v, const Gcm& gcm = kAes256) {
  std::vector<std::uint8_t> ciphertext(v.plaintext.size());
  std::vector<std::uint8_t> tag(v.tag.size());
  ASSERT_TRUE(gcm.encrypt(v.key, v.iv, v.aad, v.plaintext, ciphertext, tag)) << v.id;
  EXPECT_EQ(to_hex(ciphertext), to_hex(v.ciphertext)) << v.id;
  EXPECT_EQ(to_hex(tag), to_hex(v.tag)) << v.id;
  std::vector<std::uint8_t> plaintext(v.ciphertext.size());
  ASSERT_TRUE(gcm.decrypt(v.key, v.iv, v.aad, v.ciphertext, v.tag, plaintext)) << v.id;
  EXPECT_EQ(to_hex(plaintext), to_hex(v.plaintext)) << v.id;
}

void expect_rejected(const Vector& v, const Gcm& gcm = kAes256) {
  std::vector<std::uint8_t> plaintext(v.ciphertext.size(), 0xaa);
  EXPECT_FALSE(gcm.decrypt(v.key, v.iv, v.aad, v.ciphertext, v.tag, plaintext)) << v.id;
  // No unauthenticated plaintext escapes a failed open.
  EXPECT_EQ(plaintext, std::vector<std::uint8_t>(v.ciphertext.size(), 0)) << v.id;
}

struct WycheproofCount {
  int valid = 0, invalid = 0;
};

// Runs every Wycheproof AES-GCM case with a key of key_bits.
WycheproofCount run_wycheproof(int key_bits, const Gcm& gcm) {
  const auto path = kTestdata / "wycheproof" / "aes_gcm_test.json";
  WycheproofCount count;
  EXPECT_TRUE(std::filesystem::exists(path)) << "missing vector file: " << path;
  if (!std::filesystem::exists(path)) return count;
  const auto document = boost::json::parse(read_file(path));
  int& valid = count.valid;
  int& invalid = count.invalid;
  for (const auto& group : document.at("testGroups").as_array()) {
    if (group.at("keySize").as_int64() != key_bits) continue;
    for (const auto& test : group.at("tests").as_array()) {
      Vector v;
      v.id = "wycheproof tcId " + std::to_string(test.at("tcId").as_int64());
      v.key = from_hex(test.at("key").as_string());
      v.iv = from_hex(test.at("iv").as_string());
      v.aad = from_hex(test.at("aad").as_string());
      v.plaintext = from_hex(test.at("msg").as_string());
      v.ciphertext = from_hex(test.at("ct").as_string());
      v.tag = from_hex(test.at("tag").as_string());
      const auto result = test.at("result").as_string();
      EXPECT_TRUE(result == "valid" || result == "invalid") << v.id << " has result " << result;
      if (result == "valid") {
        expect_valid(v, gcm);
        ++valid;
      } else {
        expect_rejected(v, gcm);
        ++invalid;
      }
    }
  }
  return count;
}

TEST(Aes256Gcm, PassesEveryWycheproofCaseWithA256BitKey) {
  const auto [valid, invalid] = run_wycheproof(256, kAes256);
  std::cout << "[ wycheproof ] AES-256-GCM cases run: " << valid + invalid << " (" << valid << " valid, "
            << invalid << " invalid)\n";
  // SOURCES.md: 105 cases with 256-bit keys, 76 valid and 29 invalid.
  EXPECT_EQ(valid + invalid, 105);
  EXPECT_EQ(valid, 76);
  EXPECT_EQ(invalid, 29);
}

TEST(Aes128Gcm, PassesEveryWycheproofCaseWithA128BitKey) {
  const auto [valid, invalid] = run_wycheproof(128, kAes128);
  std::cout << "[ wycheproof ] AES-128-GCM cases run: " << valid + invalid << " (" << valid << " valid, "
            << invalid << " invalid)\n";
  // Counted from the file's keySize 128 groups.
  EXPECT_EQ(valid + invalid, 108);
  EXPECT_EQ(valid, 79);
  EXPECT_EQ(invalid, 29);
}

TEST(Aes128Gcm, RefusesA256BitKeyAndTheOtherWayRound) {
  const std::vector<std::uint8_t> key16(16), key32(32), iv(12), data(5);
  std::vector<std::uint8_t> out(5), tag(16);
  EXPECT_TRUE(aes128gcm_encrypt(key16, iv, {}, data, out, tag));
  EXPECT_FALSE(aes128gcm_encrypt(key32, iv, {}, data, out, tag));
  EXPECT_FALSE(aes256gcm_encrypt(key16, iv, {}, data, out, tag));
  EXPECT_FALSE(aes256gcm_decrypt(key16, iv, {}, out, tag, out));
}

// NIST CAVP .rsp: "[Name = value]" group headers, "Name = value" lines, blank-line separated
// cases, CRLF line endings, and a bare "FAIL" line on decrypt cases that must be rejected.
std::vector<Vector> read_cavp(const std::filesystem::path& path) {
  std::vector<Vector> vectors;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  Vector current;
  bool in_case = false;
  std::map<std::string, std::string> fields;
  auto flush = [&] {
    if (!in_case) return;
    current.id = path.filename().string() + " Count " + fields["Count"] + " (IV " + std::to_string(fields["IV"].size() * 4) +
                 " bits, tag " + std::to_string(fields["Tag"].size() * 4) + " bits)";
    current.key = from_hex(fields["Key"]);
    current.iv = from_hex(fields["IV"]);
    current.aad = from_hex(fields["AAD"]);
    current.plaintext = from_hex(fields["PT"]);
    current.ciphertext = from_hex(fields["CT"]);
    current.tag = from_hex(fields["Tag"]);
    vectors.push_back(current);
    current = Vector{};
    fields.clear();
    in_case = false;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#' || line[0] == '[') continue;
    if (line == "FAIL") {
      current.valid = false;
      continue;
    }
    const auto eq = line.find(" = ");
    std::string name = line.substr(0, line.find(' '));
    std::string value = eq == std::string::npos ? "" : line.substr(eq + 3);
    if (name == "Count") in_case = true;
    fields[name] = value;
  }
  flush();
  return vectors;
}

TEST(Aes256Gcm, PassesTheNistCavpEncryptVectors) {
  const auto path = kTestdata / "nist_cavp" / "gcmEncryptExtIV256.rsp";
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing vector file: " << path;
  const auto vectors = read_cavp(path);
  for (const auto& v : vectors) {
    ASSERT_TRUE(v.valid) << v.id;
    expect_valid(v);
    if (HasFailure()) break;
  }
  std::cout << "[ nist cavp ] gcmEncryptExtIV256 cases run: " << vectors.size() << "\n";
  EXPECT_EQ(vectors.size(), 7875u);
}

TEST(Aes256Gcm, PassesTheNistCavpDecryptVectorsAndRejectsTheFailCases) {
  const auto path = kTestdata / "nist_cavp" / "gcmDecrypt256.rsp";
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing vector file: " << path;
  const auto vectors = read_cavp(path);
  std::size_t passing = 0, failing = 0;
  for (const auto& v : vectors) {
    if (v.valid) {
      std::vector<std::uint8_t> plaintext(v.ciphertext.size());
      ASSERT_TRUE(aes256gcm_decrypt(v.key, v.iv, v.aad, v.ciphertext, v.tag, plaintext)) << v.id;
      ASSERT_EQ(to_hex(plaintext), to_hex(v.plaintext)) << v.id;
      ++passing;
    } else {
      expect_rejected(v);
      if (HasFailure()) break;
      ++failing;
    }
  }
  std::cout << "[ nist cavp ] gcmDecrypt256 cases run: " << vectors.size() << " (" << passing << " authentic, "
            << failing << " FAIL rejected)\n";
  EXPECT_EQ(vectors.size(), 7875u);
  EXPECT_GT(failing, 0u);
}

TEST(Aes256Gcm, RefusesBadParameters) {
  const std::vector<std::uint8_t> key(32), iv(12), short_key(16), data(5);
  std::vector<std::uint8_t> out(5), tag(16), short_tag(3), long_tag(17), short_out(4);
  EXPECT_TRUE(aes256gcm_encrypt(key, iv, {}, data, out, tag));
  EXPECT_FALSE(aes256gcm_encrypt(short_key, iv, {}, data, out, tag));
  EXPECT_FALSE(aes256gcm_encrypt(key, {}, {}, data, out, tag));
  EXPECT_FALSE(aes256gcm_encrypt(key, iv, {}, data, out, short_tag));
  EXPECT_FALSE(aes256gcm_encrypt(key, iv, {}, data, out, long_tag));
  EXPECT_FALSE(aes256gcm_encrypt(key, iv, {}, data, short_out, tag));
  EXPECT_FALSE(aes256gcm_decrypt(key, {}, {}, out, tag, out));
}

TEST(Aes256Gcm, HandlesIvsLongerThanTheOpenSslProviderTakes) {
  // 200-byte IV goes through the GCM128 path; it must round-trip and authenticate.
  const std::vector<std::uint8_t> key(32, 7), iv(200, 9), aad(3, 1), data(40, 2);
  std::vector<std::uint8_t> ct(40), tag(16), back(40);
  ASSERT_TRUE(aes256gcm_encrypt(key, iv, aad, data, ct, tag));
  ASSERT_TRUE(aes256gcm_decrypt(key, iv, aad, ct, tag, back));
  EXPECT_EQ(back, data);
  tag[0] ^= 1;
  EXPECT_FALSE(aes256gcm_decrypt(key, iv, aad, ct, tag, back));
}

}  // namespace
}  // namespace dragops::crypto
