#pragma once
// The server's credentials on disk: a CA (reused when DIR/ca.key exists), a serving
// certificate for 127.0.0.1 and localhost signed by it, the bearer token and the kubeconfig.
// Startup code: throws std::runtime_error on failure.

#include <filesystem>
#include <string>

namespace dragops::apiserver {

struct ServingCredentials {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};

ServingCredentials ensure_credentials(const std::filesystem::path& dir);
std::string ensure_token(const std::filesystem::path& dir, const std::string& given);
void write_kubeconfig(const std::filesystem::path& dir, const std::string& server_url, const std::string& ca_pem,
                      const std::string& token);
// Writes to a temporary file and renames, so a reader never sees half a file.
void write_file_atomically(const std::filesystem::path& path, const std::string& contents, bool private_mode);
std::string read_file(const std::filesystem::path& path);

}  // namespace dragops::apiserver
