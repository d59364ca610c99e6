#include "token_file.hpp"

#include "crypto/random.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dragops::sidecar {

crypto::SecretBytes generate_token() {
  crypto::SecretBytes raw(32);
  crypto::random_bytes(raw.span());
  crypto::SecretBytes hex(64);
  constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < raw.size(); ++i) {
    hex.data()[2 * i] = static_cast<std::uint8_t>(kDigits[raw.data()[i] >> 4]);
    hex.data()[2 * i + 1] = static_cast<std::uint8_t>(kDigits[raw.data()[i] & 0xf]);
  }
  return hex;
}

boost::system::result<void, std::string> write_token_file(const std::filesystem::path& path, const crypto::SecretBytes& token) {
  using Result = boost::system::result<void, std::string>;
  auto temporary = path;
  temporary += ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Result(boost::system::in_place_error, "cannot create " + temporary.native() + ": " + std::strerror(errno));
  ::fchmod(fd, 0644);   // regardless of the umask: app containers run as other users
  std::size_t written = 0;
  while (written < token.size()) {
    auto n = ::write(fd, token.data() + written, token.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  bool ok = written == token.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return Result(boost::system::in_place_error, "cannot write " + path.native());
  }
  return {};
}

}  // namespace dragops::sidecar
