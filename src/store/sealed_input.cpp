#include "store/sealed_input.hpp"

#include "crypto/base64.hpp"

namespace dragops::store {
namespace {

void append_field(std::vector<std::uint8_t>& out, std::string_view text) {
  const auto size = static_cast<std::uint32_t>(text.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(size >> shift));
  out.insert(out.end(), text.begin(), text.end());
}

}  // namespace

std::vector<std::uint8_t> sealed_input_info(const SealedInputTarget& target) {
  std::vector<std::uint8_t> out;
  out.reserve(5 * 4 + kSealedInputLabel.size() + target.namespace_.size() + 10 + target.name.size() +
              target.item.size());
  append_field(out, kSealedInputLabel);
  append_field(out, target.namespace_);
  append_field(out, to_string(target.kind));
  append_field(out, target.name);
  append_field(out, target.item);
  return out;
}

crypto::hpke::Result<std::string> seal_input(std::span<const std::uint8_t> public_key, const SealedInputTarget& target,
                                             std::span<const std::uint8_t> plaintext) {
  auto sealed = crypto::seal_value(public_key, sealed_input_info(target), {}, plaintext);
  if (!sealed) return sealed.error();
  return crypto::base64_encode(*sealed);
}

std::string_view to_string(SealedInputError error) {
  switch (error) {
    case SealedInputError::not_base64: return "not base64";
    case SealedInputError::malformed: return "malformed sealed value";
    case SealedInputError::unsupported_version: return "unsupported sealed value format version";
    case SealedInputError::unknown_key: return "sealed to a key this cluster does not hold";
    case SealedInputError::does_not_open: return "does not open here";
  }
  return "unknown error";
}

boost::system::result<crypto::SecretBytes, SealedInputFailure> open_sealed_input(const SealingKeyLookup& keys,
                                                                                 const SealedInputTarget& target,
                                                                                 std::string_view text) {
  const auto bytes = crypto::base64_decode(text);
  if (!bytes) return SealedInputFailure{SealedInputError::not_base64, {}};
  const auto parsed = crypto::parse_sealed_value(*bytes);
  if (!parsed) {
    return SealedInputFailure{parsed.error() == crypto::SealedValueError::unsupported_version
                                  ? SealedInputError::unsupported_version
                                  : SealedInputError::malformed,
                              {}};
  }
  const auto* pair = keys ? keys(parsed->key_id) : nullptr;
  if (!pair) return SealedInputFailure{SealedInputError::unknown_key, key_id_hex(parsed->key_id)};
  auto opened = crypto::open_sealed_value(*pair, sealed_input_info(target), {}, *bytes);
  if (opened) return std::move(*opened);
  switch (opened.error()) {
    case crypto::SealedValueError::malformed: return SealedInputFailure{SealedInputError::malformed, {}};
    case crypto::SealedValueError::unsupported_version:
      return SealedInputFailure{SealedInputError::unsupported_version, {}};
    case crypto::SealedValueError::unknown_key:   // the lookup gave a pair of another id
      return SealedInputFailure{SealedInputError::unknown_key, key_id_hex(parsed->key_id)};
    case crypto::SealedValueError::authentication_failed: break;
  }
  return SealedInputFailure{SealedInputError::does_not_open, key_id_hex(parsed->key_id)};
}

std::optional<crypto::SealingKeyId> sealed_input_key_id(std::string_view text) {
  const auto bytes = crypto::base64_decode(text);
  if (!bytes) return std::nullopt;
  const auto parsed = crypto::parse_sealed_value(*bytes);
  if (!parsed) return std::nullopt;
  return parsed->key_id;
}

std::string key_id_hex(const crypto::SealingKeyId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(id.size() * 2);
  for (auto byte : id) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0f]);
  }
  return out;
}

}  // namespace dragops::store
