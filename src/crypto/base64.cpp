#include "crypto/base64.hpp"

#include <array>

namespace dragops::crypto {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_reverse() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kReverse = make_reverse();

// Decodes into out (already sized); false if the text is not canonical base64.
bool decode_into(std::string_view text, std::span<std::uint8_t> out) {
  std::size_t o = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint8_t v[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const auto c = static_cast<unsigned char>(text[i + j]);
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++padding;
        continue;
      }
      if (padding != 0) return false;  // data after '='
      v[j] = kReverse[c];
      if (v[j] == kInvalid) return false;
    }
    const std::uint32_t block = (std::uint32_t{v[0]} << 18) | (std::uint32_t{v[1]} << 12) | (std::uint32_t{v[2]} << 6) | v[3];
    // Canonical: the bits padding leaves over must be zero.
    if (padding == 1 && (block & 0xff) != 0) return false;
    if (padding == 2 && (block & 0xffff) != 0) return false;
    out[o++] = static_cast<std::uint8_t>(block >> 16);
    if (padding < 2) out[o++] = static_cast<std::uint8_t>(block >> 8);
    if (padding < 1) out[o++] = static_cast<std::uint8_t>(block);
  }
  return o == out.size();
}

std::optional<std::size_t> decoded_size(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t size = text.size() / 4 * 3;
  if (!text.empty() && text.back() == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  return size;
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(base64_encoded_size(bytes.size()));
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t block = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += kAlphabet[(block >> 18) & 63];
    out += kAlphabet[(block >> 12) & 63];
    out += kAlphabet[(block >> 6) & 63];
    out += kAlphabet[block & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    std::uint32_t block = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) block |= std::uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[(block >> 18) & 63];
    out += kAlphabet[(block >> 12) & 63];
    out += rest == 2 ? kAlphabet[(block >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  const auto size = decoded_size(text);
  if (!size) return std::nullopt;
  std::vector<std::uint8_t> out(*size);
  if (!decode_into(text, out)) return std::nullopt;
  return out;
}

std::optional<SecretBytes> base64_decode_secret(std::string_view text) {
  const auto size = decoded_size(text);
  if (!size) return std::nullopt;
  SecretBytes out(*size);
  if (!decode_into(text, out.span())) return std::nullopt;  // out wipes itself
  return out;
}

}  // namespace dragops::crypto
