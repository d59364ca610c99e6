#include "operator/root_key_wiring.hpp"

#include "crypto/secret_bytes.hpp"
#include "pkcs11/token_key.hpp"

#include <fstream>
#include <iterator>

namespace dragops::op {
namespace {

using PinResult = boost::system::result<crypto::SecretBytes, std::string>;

PinResult read_pin(const std::string& file, const Getenv& getenv) {
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {boost::system::in_place_error, "the PIN file " + file + " cannot be read"};
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    auto pin = crypto::SecretBytes::from_string(text);
    crypto::wipe(text.data(), text.size());
    if (pin.empty()) return {boost::system::in_place_error, "the PIN file " + file + " is empty"};
    return pin;
  }
  if (const char* value = getenv("DRAGOPS_PKCS11_PIN"); value && *value) return crypto::SecretBytes::from_string(value);
  return {boost::system::in_place_error, "no PIN: set --pkcs11-pin-file or DRAGOPS_PKCS11_PIN"};
}

struct State {
  pkcs11::TokenKeyOptions token;
  std::string pin_file;
  Getenv getenv;
  std::mutex mutex;
  std::shared_ptr<crypto::KeyWrapper> opened;
  crypto::SecretBytes refused_pin;
  std::string refused_error;
};

}  // namespace

WrapperSource pkcs11_wrapper_source(const Options& options, Getenv getenv) {
  if (options.pkcs11_module.empty()) return {};
  auto state = std::make_shared<State>();
  state->token.module = options.pkcs11_module;
  state->token.token_label = options.pkcs11_token_label;
  if (!options.pkcs11_slot.empty()) state->token.slot = std::stoul(options.pkcs11_slot);
  state->token.key_label = options.pkcs11_key_label;
  state->token.create_key = options.pkcs11_create_key;
  state->pin_file = options.pkcs11_pin_file;
  state->getenv = std::move(getenv);
  return [state]() -> boost::system::result<std::shared_ptr<crypto::KeyWrapper>, std::string> {
    std::lock_guard lock(state->mutex);
    if (state->opened) return state->opened;
    auto pin = read_pin(state->pin_file, state->getenv);
    if (!pin) return {boost::system::in_place_error, pin.error()};
    if (!state->refused_pin.empty() && pin->equals(state->refused_pin))
      return {boost::system::in_place_error, state->refused_error + "; not tried again until the PIN changes"};
    auto opened = pkcs11::TokenKey::open(state->token, *pin);
    if (!opened) {
      if (opened.error().find("CKR_PIN_INCORRECT") != std::string::npos ||
          opened.error().find("CKR_PIN_LOCKED") != std::string::npos) {
        state->refused_pin = std::move(*pin);
        state->refused_error = opened.error();
      }
      return {boost::system::in_place_error, opened.error()};
    }
    state->refused_pin.clear();
    state->opened = std::shared_ptr<crypto::KeyWrapper>(std::move(*opened));
    return state->opened;
  };
}

}  // namespace dragops::op
