#pragma once
// The PKCS#11 token key that wraps the root key, from the --pkcs11-* flags (an empty source when
// --pkcs11-module is not set). The PIN is read at each attempt from --pkcs11-pin-file (a mounted
// Secret; one trailing newline is dropped) or DRAGOPS_PKCS11_PIN, and is never logged. A PIN the
// token refused is not tried again until it changes, so that retries do not lock the token.

#include "operator/keys.hpp"
#include "operator/options.hpp"

namespace dragops::op {

WrapperSource pkcs11_wrapper_source(const Options& options, Getenv getenv);

}  // namespace dragops::op
