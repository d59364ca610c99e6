#pragma once
// Opening a resource's sealed input with the cluster's sealing keys: the observe step of a
// reconcile (decide then judges the results, operator/decide.cpp).

#include "operator/observation.hpp"
#include "operator/sealing/sealing_key_set.hpp"

namespace dragops::op::sealing {

// Each item of texts opened as owner's (namespace, kind, name) and that item.
SealedInputs open_sealed_inputs(const SealingKeySet& keys, const store::Owner& owner, const SealedTexts& texts);

// "opened", "unknown_key" or "invalid": the label of dragops_sealed_inputs_total.
std::string_view result_label(const OpenedInput& opened);

}  // namespace dragops::op::sealing
