#include "crypto/keyring.hpp"

#include "crypto/base64.hpp"
#include "crypto/random.hpp"

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>
#include <boost/container/pmr/memory_resource.hpp>

#include <array>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <new>
#include <stdexcept>

namespace dragops::crypto {
namespace {

// Every block the JSON parser hands back is wiped before it is freed, so the base64 key strings
// (and the parser's scratch copies of them) do not linger on the heap.
class WipingResource final : public boost::container::pmr::memory_resource {
 protected:
  // Boost.JSON asks for at most max_align_t alignment, which malloc gives. (It does not always
  // pass the same alignment back on deallocate, so aligned operator new would be wrong here.)
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (alignment > alignof(std::max_align_t)) throw std::bad_alloc();
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t /*alignment*/) override {
    wipe(p, bytes);
    std::free(p);
  }
  bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
};

// Scratch space for the parser (it copies strings with escapes there); wiped after each load.
class WipedScratch {
 public:
  ~WipedScratch() { wipe(bytes_.data(), bytes_.size()); }
  unsigned char* data() { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::array<unsigned char, 1024> bytes_{};
};

std::string version_text(std::uint64_t version) { return std::to_string(version); }

// A key-ring version: a JSON integer in 1 .. 2^32-1.
bool read_version(const boost::json::value& value, std::uint32_t& out) {
  std::int64_t number = 0;
  if (value.is_int64()) {
    number = value.get_int64();
  } else if (value.is_uint64() && value.get_uint64() <= std::numeric_limits<std::uint32_t>::max()) {
    number = static_cast<std::int64_t>(value.get_uint64());
  } else {
    return false;
  }
  if (number < 1 || number > std::numeric_limits<std::uint32_t>::max()) return false;
  out = static_cast<std::uint32_t>(number);
  return true;
}

SecretBytes random_key() {
  SecretBytes key(kDataKeySize);
  random_bytes(key.span());
  return key;
}

using LoadResult = boost::system::result<Keyring, std::string>;

}  // namespace

Keyring Keyring::generate() {
  Keyring ring;
  ring.keys_.emplace(1, random_key());
  ring.primary_ = 1;
  return ring;
}

boost::system::result<Keyring, std::string> Keyring::load(std::string_view serialised) {
  WipingResource resource;
  WipedScratch scratch;
  boost::json::value document;
  {
    boost::json::parser parser(boost::json::storage_ptr(&resource), {}, scratch.data(), scratch.size());
    boost::system::error_code ec;
    parser.reset(boost::json::storage_ptr(&resource));
    parser.write(serialised, ec);
    if (ec) return LoadResult(boost::system::in_place_error, "key ring is not valid JSON: " + ec.message());
    document = parser.release();
  }
  const auto* top = document.if_object();
  if (top == nullptr) return LoadResult(boost::system::in_place_error, "key ring must be a JSON object");

  const auto* keys = top->if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return LoadResult(boost::system::in_place_error, "key ring has no \"keys\" array");
  }
  if (keys->get_array().empty()) return LoadResult(boost::system::in_place_error, "key ring holds no keys");
  const auto* primary = top->if_contains("primary");
  std::uint32_t primary_version = 0;
  if (primary == nullptr || !read_version(*primary, primary_version)) {
    return LoadResult(boost::system::in_place_error,
                      "key ring has no valid \"primary\" (an integer version from 1 to 4294967295)");
  }

  Keyring ring;
  std::size_t index = 0;
  for (const auto& entry : keys->get_array()) {
    const std::string where = "keys[" + std::to_string(index++) + "]";
    const auto* object = entry.if_object();
    if (object == nullptr) return LoadResult(boost::system::in_place_error, where + " is not an object");
    const auto* version_value = object->if_contains("version");
    std::uint32_t version = 0;
    if (version_value == nullptr || !read_version(*version_value, version)) {
      return LoadResult(boost::system::in_place_error,
                        where + " has no valid \"version\" (an integer from 1 to 4294967295)");
    }
    const auto* key_value = object->if_contains("key");
    if (key_value == nullptr || !key_value->is_string()) {
      return LoadResult(boost::system::in_place_error, "key version " + version_text(version) + " has no \"key\" string");
    }
    const auto& key_text = key_value->get_string();
    auto key = base64_decode_secret(std::string_view(key_text.data(), key_text.size()));
    if (!key) {
      return LoadResult(boost::system::in_place_error, "key version " + version_text(version) + " is not valid base64");
    }
    if (key->size() != kDataKeySize) {
      return LoadResult(boost::system::in_place_error,
                        "key version " + version_text(version) + " has " + std::to_string(key->size()) +
                            " bytes; a data key has " + std::to_string(kDataKeySize));
    }
    if (!ring.keys_.emplace(version, std::move(*key)).second) {
      return LoadResult(boost::system::in_place_error, "key version " + version_text(version) + " appears twice");
    }
  }
  if (!ring.has(primary_version)) {
    return LoadResult(boost::system::in_place_error,
                      "primary version " + version_text(primary_version) + " is not in the key ring");
  }
  ring.primary_ = primary_version;
  return ring;
}

SecretBytes Keyring::serialise() const {
  // Sized exactly up front so the string never reallocates and leaves an unwiped copy behind.
  const std::string head = "{\"primary\": " + version_text(primary_) + ", \"keys\": [";
  std::size_t size = head.size() + 3;  // "]}\n"
  for (const auto& [version, key] : keys_) {
    size += 2 + 13 + version_text(version).size() + 10 + base64_encoded_size(key.size()) + 2;
  }
  std::string text;
  text.reserve(size);
  text += head;
  bool first = true;
  for (const auto& [version, key] : keys_) {
    if (!first) text += ", ";
    first = false;
    text += "{\"version\": ";
    text += version_text(version);
    text += ", \"key\": \"";
    std::string encoded = base64_encode(key.span());
    text += encoded;
    wipe(encoded.data(), encoded.size());
    text += "\"}";
  }
  text += "]}\n";
  SecretBytes out = SecretBytes::from_string(text);
  wipe(text.data(), text.capacity());
  return out;
}

std::vector<std::uint32_t> Keyring::versions() const {
  std::vector<std::uint32_t> out;
  out.reserve(keys_.size());
  for (const auto& entry : keys_) out.push_back(entry.first);
  return out;
}

const SecretBytes* Keyring::key(std::uint32_t version) const {
  const auto found = keys_.find(version);
  return found == keys_.end() ? nullptr : &found->second;
}

std::uint32_t Keyring::add() {
  const std::uint32_t newest = keys_.empty() ? 0 : keys_.rbegin()->first;
  // Four billion rotations do not happen; if they did, reusing a version would be worse.
  if (newest == std::numeric_limits<std::uint32_t>::max()) throw std::length_error("key ring versions exhausted");
  const std::uint32_t version = newest + 1;
  keys_.emplace(version, random_key());
  if (primary_ == 0) primary_ = version;
  return version;
}

std::uint32_t Keyring::rotate() {
  const std::uint32_t version = add();
  primary_ = version;
  return version;
}

bool Keyring::set_primary(std::uint32_t version) {
  if (!has(version)) return false;
  primary_ = version;
  return true;
}

bool Keyring::retire(std::uint32_t version) {
  if (version == primary_ || !has(version)) return false;
  keys_.erase(version);
  return true;
}

}  // namespace dragops::crypto
