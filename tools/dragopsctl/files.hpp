#pragma once
// Whole-file reads and careful writes for dragopsctl. Key-ring files are created 0600 and
// replaced atomically (temporary file in the same directory, fsync, rename).

#include "crypto/secret_bytes.hpp"

#include <optional>
#include <string>

namespace dragops::dragopsctl {

// Errors are human sentences naming the path and the reason, never the contents.
struct FileError {
  std::string message;
};

// The file's contents in wiped memory, or why it could not be read.
std::optional<crypto::SecretBytes> read_secret_file(const std::string& path, FileError& error);
// Writes contents as path with mode 0600. create_only: refuse if path already exists.
bool write_secret_file(const std::string& path, const crypto::SecretBytes& contents, bool create_only, FileError& error);
// All of standard input, into wiped memory; nullopt on a read error.
std::optional<crypto::SecretBytes> read_stdin();

}  // namespace dragops::dragopsctl
