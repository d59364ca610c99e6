#pragma once
// The fixed key ring and context the envelope fuzzer opens with; fuzz/corpus/envelope holds
// real envelopes sealed under exactly these (made with dragopsctl, see fuzz/README.md).

#include <string_view>

namespace dragops::fuzz {

// Versions 1 and 2 (primary 2); the key bytes are test-only constants: 32 x 0x11 and 32 x 0x22.
inline constexpr std::string_view kFixedRing =
    R"({"primary": 2, "keys": [{"version": 1, "key": "ERERERERERERERERERERERERERERERERERERERERERE="},)"
    R"( {"version": 2, "key": "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI="}]})";

}  // namespace dragops::fuzz
