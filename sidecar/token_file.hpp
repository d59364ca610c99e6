#pragma once
// The per-pod bearer token: 32 random bytes, hex-encoded, written atomically to
// DRAGOPS_TOKEN_FILE (mode 0644 in the in-memory volume the app containers mount read-only).

#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <filesystem>
#include <string>

namespace dragops::sidecar {

crypto::SecretBytes generate_token();
// Writes token to a temporary file beside path and renames it into place.
boost::system::result<void, std::string> write_token_file(const std::filesystem::path& path, const crypto::SecretBytes& token);

}  // namespace dragops::sidecar
