#include "operator/sealing/sealing_key_set.hpp"

#include <algorithm>
#include <limits>

namespace dragops::op::sealing {
namespace {

constexpr std::uint8_t kFormat = 1;
constexpr std::size_t kRecordSize = 4 + 8 + crypto::hpke::kPrivateKeySize;

template <class T>
boost::system::result<T, std::string> failure(std::string message) {
  return {boost::system::in_place_error, std::move(message)};
}

std::uint64_t read_be(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (auto byte : bytes) value = value << 8 | byte;
  return value;
}

void write_be(std::uint8_t* out, std::uint64_t value, int size) {
  for (int i = size - 1; i >= 0; --i, value >>= 8) out[i] = static_cast<std::uint8_t>(value);
}

boost::system::result<SealingKey, std::string> make_key(std::uint32_t version, Time created,
                                                        crypto::hpke::Result<crypto::hpke::KeyPair> pair) {
  if (!pair) {
    return failure<SealingKey>("sealing key version " + std::to_string(version) + ": " +
                               std::string(crypto::hpke::to_string(pair.error())));
  }
  SealingKey key{version, created, std::move(*pair), {}};
  key.id = crypto::key_id_of(key.pair.public_key);
  return key;
}

}  // namespace

boost::system::result<SealingKeySet, std::string> SealingKeySet::generate(Time now) {
  auto key = make_key(1, now, crypto::hpke::generate_key_pair());
  if (!key) return failure<SealingKeySet>(key.error());
  SealingKeySet set;
  set.keys_.emplace(1, std::move(*key));
  return set;
}

boost::system::result<SealingKeySet, std::string> SealingKeySet::load(std::span<const std::uint8_t> serialised) {
  if (serialised.empty() || serialised[0] != kFormat) return failure<SealingKeySet>("unknown sealing key set format");
  const auto records = serialised.subspan(1);
  if (records.empty() || records.size() % kRecordSize != 0)
    return failure<SealingKeySet>("sealing key set has " + std::to_string(records.size()) +
                                  " bytes of records; each is " + std::to_string(kRecordSize));
  SealingKeySet set;
  for (std::size_t offset = 0; offset < records.size(); offset += kRecordSize) {
    const auto record = records.subspan(offset, kRecordSize);
    const auto version = static_cast<std::uint32_t>(read_be(record.first(4)));
    const auto seconds = read_be(record.subspan(4, 8));
    if (version == 0) return failure<SealingKeySet>("sealing key version 0 is not valid");
    if (seconds > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1'000'000'000))
      return failure<SealingKeySet>("sealing key version " + std::to_string(version) + " has no valid creation time");
    if (set.keys_.contains(version))
      return failure<SealingKeySet>("sealing key version " + std::to_string(version) + " appears twice");
    const Time created{std::chrono::seconds(static_cast<std::int64_t>(seconds))};
    auto key = make_key(version, created, crypto::hpke::key_pair_from_private_key(record.subspan(12)));
    if (!key) return failure<SealingKeySet>(key.error());
    set.keys_.emplace(version, std::move(*key));
  }
  return set;
}

crypto::SecretBytes SealingKeySet::serialise() const {
  crypto::SecretBytes out(1 + keys_.size() * kRecordSize);
  out.data()[0] = kFormat;
  std::uint8_t* record = out.data() + 1;
  for (const auto& [version, key] : keys_) {
    write_be(record, version, 4);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(key.created.time_since_epoch()).count();
    write_be(record + 4, static_cast<std::uint64_t>(std::max<std::int64_t>(seconds, 0)), 8);
    std::copy(key.pair.private_key.span().begin(), key.pair.private_key.span().end(), record + 12);
    record += kRecordSize;
  }
  return out;
}

const SealingKey* SealingKeySet::find(const crypto::SealingKeyId& id) const {
  for (const auto& [version, key] : keys_)
    if (key.id == id) return &key;
  return nullptr;
}

std::vector<SealingKeyInfo> SealingKeySet::infos() const {
  std::vector<SealingKeyInfo> out;
  for (const auto& [version, key] : keys_) out.push_back({version, key.created, key.id});
  return out;
}

boost::system::result<std::uint32_t, std::string> SealingKeySet::add(Time now) {
  const auto version = newest().version;
  if (version == std::numeric_limits<std::uint32_t>::max())
    return failure<std::uint32_t>("sealing key version " + std::to_string(version) + " is the last one");
  auto key = make_key(version + 1, now, crypto::hpke::generate_key_pair());
  if (!key) return failure<std::uint32_t>(key.error());
  keys_.emplace(version + 1, std::move(*key));
  return version + 1;
}

bool SealingKeySet::retire(std::uint32_t version) {
  if (version == newest().version) return false;
  return keys_.erase(version) == 1;
}

}  // namespace dragops::op::sealing
