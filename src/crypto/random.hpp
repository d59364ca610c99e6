#pragma once
// The OS CSPRNG: getrandom(2), the kernel's generator, straight (it is also cheaper per call
// than OpenSSL's DRBG in front of it, which matters with 44 random bytes in every seal). Falls
// back to OpenSSL's RAND_bytes only if the syscall is unavailable. A failure means the process
// cannot make keys or nonces safely, so it aborts rather than return predictable bytes.

#include <cstdint>
#include <span>

namespace dragops::crypto {

void random_bytes(std::span<std::uint8_t> out);

}  // namespace dragops::crypto
