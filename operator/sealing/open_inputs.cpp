#include "operator/sealing/open_inputs.hpp"

namespace dragops::op::sealing {

SealedInputs open_sealed_inputs(const SealingKeySet& keys, const store::Owner& owner, const SealedTexts& texts) {
  const store::SealingKeyLookup lookup = [&keys](const crypto::SealingKeyId& id) -> const crypto::hpke::KeyPair* {
    const auto* key = keys.find(id);
    return key ? &key->pair : nullptr;
  };
  SealedInputs out;
  for (const auto& [item, text] : texts)
    out.emplace(item, store::open_sealed_input(lookup, {owner.namespace_, owner.kind, owner.name, item}, text));
  return out;
}

std::string_view result_label(const OpenedInput& opened) {
  if (opened) return "opened";
  return opened.error().error == store::SealedInputError::unknown_key ? "unknown_key" : "invalid";
}

}  // namespace dragops::op::sealing
