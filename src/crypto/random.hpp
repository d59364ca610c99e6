#pragma once
// The OS CSPRNG (OpenSSL's DRBG, seeded from getrandom). A failure here means the process cannot
// make keys or nonces safely, so it aborts rather than returning predictable bytes.

#include <cstdint>
#include <span>

namespace dragops::crypto {

void random_bytes(std::span<std::uint8_t> out);

}  // namespace dragops::crypto
