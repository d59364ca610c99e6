#include "pkcs11/token_key.hpp"

#include "crypto/random.hpp"
#include "pkcs11/module.hpp"

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstring>

namespace dragops::pkcs11 {
namespace {

using Error = std::string;
template <class T>
boost::system::result<T, Error> failure(Error message) {
  return {boost::system::in_place_error, std::move(message)};
}

constexpr const char* kMechanismName = "CKM_AES_GCM";

std::string token_label(const CK_TOKEN_INFO& info) {
  std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.pop_back();
  return label;
}

struct Slot {
  CK_SLOT_ID id;
  std::string label;
};

boost::system::result<Slot, Error> find_slot(CK_FUNCTION_LIST_PTR f, const TokenKeyOptions& options) {
  CK_ULONG count = 0;
  if (auto rv = f->C_GetSlotList(CK_TRUE, nullptr, &count); rv != CKR_OK)
    return failure<Slot>("C_GetSlotList failed: " + return_name(rv));
  std::vector<CK_SLOT_ID> slots(count);
  if (count) {
    if (auto rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count); rv != CKR_OK)
      return failure<Slot>("C_GetSlotList failed: " + return_name(rv));
    slots.resize(count);
  }
  std::vector<std::string> seen;
  for (auto id : slots) {
    CK_TOKEN_INFO info{};
    if (f->C_GetTokenInfo(id, &info) != CKR_OK) continue;
    const auto label = token_label(info);
    if (options.slot ? *options.slot == id : label == options.token_label) {
      if (!(info.flags & CKF_TOKEN_INITIALIZED)) return failure<Slot>("token \"" + label + "\" is not initialised");
      return Slot{id, label};
    }
    if (info.flags & CKF_TOKEN_INITIALIZED) seen.push_back("\"" + label + "\"");
  }
  std::string present;
  for (const auto& label : seen) present += (present.empty() ? "" : ", ") + label;
  const std::string wanted = options.slot ? "in slot " + std::to_string(*options.slot) : "labelled \"" + options.token_label + "\"";
  return failure<Slot>("no PKCS#11 token " + wanted + " (tokens present: " + (present.empty() ? "none" : present) + ")");
}

boost::system::result<std::vector<CK_OBJECT_HANDLE>, Error> find_keys(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session,
                                                                       const std::string& label) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  CK_ATTRIBUTE search[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_KEY_TYPE, &type, sizeof type},
                           {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  if (auto rv = f->C_FindObjectsInit(session, search, 3); rv != CKR_OK)
    return failure<std::vector<CK_OBJECT_HANDLE>>("C_FindObjectsInit failed: " + return_name(rv));
  std::vector<CK_OBJECT_HANDLE> found(2);
  CK_ULONG count = 0;
  const auto rv = f->C_FindObjects(session, found.data(), found.size(), &count);
  f->C_FindObjectsFinal(session);
  if (rv != CKR_OK) return failure<std::vector<CK_OBJECT_HANDLE>>("C_FindObjects failed: " + return_name(rv));
  found.resize(count);
  return found;
}

boost::system::result<CK_OBJECT_HANDLE, Error> generate_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session,
                                                            const std::string& label) {
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  CK_ULONG length = 32;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_ATTRIBUTE attributes[] = {{CKA_CLASS, &cls, sizeof cls},          {CKA_KEY_TYPE, &type, sizeof type},
                               {CKA_VALUE_LEN, &length, sizeof length}, {CKA_TOKEN, &yes, sizeof yes},
                               {CKA_PRIVATE, &yes, sizeof yes},        {CKA_SENSITIVE, &yes, sizeof yes},
                               {CKA_EXTRACTABLE, &no, sizeof no},      {CKA_ENCRYPT, &yes, sizeof yes},
                               {CKA_DECRYPT, &yes, sizeof yes},        {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  CK_MECHANISM mechanism{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = 0;
  if (auto rv = f->C_GenerateKey(session, &mechanism, attributes, std::size(attributes), &key); rv != CKR_OK)
    return failure<CK_OBJECT_HANDLE>("C_GenerateKey of \"" + label + "\" failed: " + return_name(rv));
  return key;
}

CK_GCM_PARAMS gcm_params(std::span<const std::uint8_t> iv, std::span<const std::uint8_t> aad) {
  CK_GCM_PARAMS params{};
  params.iv_ptr = const_cast<std::uint8_t*>(iv.data());
  params.iv_len = iv.size();
  params.iv_bits = iv.size() * 8;
  params.aad_ptr = const_cast<std::uint8_t*>(aad.data());
  params.aad_len = aad.size();
  params.tag_bits = kWrapTagSize * 8;
  return params;
}

}  // namespace

TokenKey::TokenKey(std::shared_ptr<Module> module, unsigned long session, unsigned long key,
                   crypto::KeyWrapperInfo info, bool created)
    : module_(std::move(module)), session_(session), key_(key), info_(std::move(info)), created_(created) {}

TokenKey::~TokenKey() {
  auto* f = module_->functions();
  f->C_Logout(session_);
  f->C_CloseSession(session_);
}

boost::system::result<std::unique_ptr<TokenKey>, std::string> TokenKey::open(const TokenKeyOptions& options,
                                                                             const crypto::SecretBytes& pin) {
  using Result = boost::system::result<std::unique_ptr<TokenKey>, std::string>;
  auto fail = [](std::string message) { return Result(boost::system::in_place_error, std::move(message)); };
  if (options.key_label.empty()) return fail("no PKCS#11 key label given");
  if (options.token_label.empty() && !options.slot) return fail("no PKCS#11 token label or slot given");
  auto module = Module::load(options.module);
  if (!module) return fail(module.error());
  auto* f = (*module)->functions();
  auto slot = find_slot(f, options);
  if (!slot) return fail(slot.error());
  CK_SESSION_HANDLE session = 0;
  if (auto rv = f->C_OpenSession(slot->id, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session); rv != CKR_OK)
    return fail("cannot open a session on token \"" + slot->label + "\": " + return_name(rv));
  auto close = [&] { f->C_CloseSession(session); };
  std::vector<CK_UTF8CHAR> pin_copy(pin.data(), pin.data() + pin.size());
  const auto login = f->C_Login(session, CKU_USER, pin_copy.data(), pin_copy.size());
  crypto::wipe(pin_copy.data(), pin_copy.size());
  if (login != CKR_OK && login != CKR_USER_ALREADY_LOGGED_IN) {
    close();
    std::string why = return_name(login);
    if (login == CKR_PIN_INCORRECT) why += " (wrong PIN)";
    if (login == CKR_PIN_LOCKED) why += " (the PIN is locked; unlock it on the token)";
    return fail("login to token \"" + slot->label + "\" failed: " + why);
  }
  auto keys = find_keys(f, session, options.key_label);
  if (!keys) {
    close();
    return fail(keys.error());
  }
  if (keys->size() > 1) {
    close();
    return fail("token \"" + slot->label + "\" holds more than one AES key labelled \"" + options.key_label + "\"");
  }
  bool created = false;
  CK_OBJECT_HANDLE key = 0;
  if (keys->empty()) {
    if (!options.create_key) {
      close();
      return fail("no AES key labelled \"" + options.key_label + "\" on token \"" + slot->label +
                  "\" (create it, or let the operator create it with --pkcs11-create-key)");
    }
    auto generated = generate_key(f, session, options.key_label);
    if (!generated) {
      close();
      return fail(generated.error());
    }
    key = *generated;
    created = true;
  } else {
    key = keys->front();
  }
  crypto::KeyWrapperInfo info{"pkcs11", kMechanismName, slot->label, options.key_label};
  return std::unique_ptr<TokenKey>(new TokenKey(std::move(*module), session, key, std::move(info), created));
}

crypto::KeyWrapperInfo TokenKey::info() const { return info_; }

boost::system::result<std::vector<std::uint8_t>, std::string> TokenKey::wrap(std::span<const std::uint8_t> plaintext,
                                                                             std::span<const std::uint8_t> aad) {
  std::lock_guard lock(mutex_);
  auto* f = module_->functions();
  std::vector<std::uint8_t> out(1 + kWrapIvSize);
  out[0] = kWrappedFormat;
  crypto::random_bytes(std::span(out).subspan(1, kWrapIvSize));
  auto params = gcm_params(std::span(out).subspan(1, kWrapIvSize), aad);
  CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
  if (auto rv = f->C_EncryptInit(session_, &mechanism, key_); rv != CKR_OK)
    return failure<std::vector<std::uint8_t>>("PKCS#11 " + std::string(kMechanismName) + " C_EncryptInit failed: " + return_name(rv));
  std::vector<CK_BYTE> input(plaintext.begin(), plaintext.end());
  CK_ULONG length = input.size() + kWrapTagSize;
  out.resize(1 + kWrapIvSize + length);
  const auto rv = f->C_Encrypt(session_, input.data(), input.size(), out.data() + 1 + kWrapIvSize, &length);
  crypto::wipe(input.data(), input.size());
  if (rv != CKR_OK) return failure<std::vector<std::uint8_t>>("PKCS#11 C_Encrypt failed: " + return_name(rv));
  out.resize(1 + kWrapIvSize + length);
  return out;
}

boost::system::result<crypto::SecretBytes, std::string> TokenKey::unwrap(std::span<const std::uint8_t> wrapped,
                                                                         std::span<const std::uint8_t> aad) {
  if (wrapped.size() < 1 + kWrapIvSize + kWrapTagSize) return failure<crypto::SecretBytes>("wrapped key is too short");
  if (wrapped[0] != kWrappedFormat) return failure<crypto::SecretBytes>("wrapped key has an unknown format byte");
  std::lock_guard lock(mutex_);
  auto* f = module_->functions();
  auto params = gcm_params(wrapped.subspan(1, kWrapIvSize), aad);
  CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
  if (auto rv = f->C_DecryptInit(session_, &mechanism, key_); rv != CKR_OK)
    return failure<crypto::SecretBytes>("PKCS#11 " + std::string(kMechanismName) + " C_DecryptInit failed: " + return_name(rv));
  const auto body = wrapped.subspan(1 + kWrapIvSize);
  std::vector<CK_BYTE> input(body.begin(), body.end());
  auto plain = crypto::SecretBytes::for_overwrite(input.size());
  CK_ULONG length = plain.size();
  const auto rv = f->C_Decrypt(session_, input.data(), input.size(), plain.data(), &length);
  if (rv != CKR_OK)
    return failure<crypto::SecretBytes>("does not unwrap with key \"" + info_.key + "\" on token \"" + info_.token +
                                        "\": " + return_name(rv) + " (another key, or altered bytes)");
  return crypto::SecretBytes(plain.span().first(length));
}

}  // namespace dragops::pkcs11
