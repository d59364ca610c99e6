#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <vector>

namespace dragops::dragopsctl {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { close(); }
  int get() const { return fd_; }
  bool close() {
    if (fd_ < 0) return true;
    const bool ok = ::close(fd_) == 0;
    fd_ = -1;
    return ok;
  }

 private:
  int fd_;
};

std::string because(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// Appends chunk to buffer without leaving unwiped copies behind when it grows.
void append(crypto::SecretBytes& buffer, std::size_t& used, const char* chunk, std::size_t size) {
  if (used + size > buffer.size()) {
    crypto::SecretBytes bigger(std::max(buffer.size() * 2, used + size));
    std::memcpy(bigger.data(), buffer.data(), used);
    buffer = std::move(bigger);  // the old buffer wipes itself
  }
  std::memcpy(buffer.data() + used, chunk, size);
  used += size;
}

crypto::SecretBytes shrink(const crypto::SecretBytes& buffer, std::size_t used) {
  return crypto::SecretBytes(buffer.span().first(used));
}

// Reads to end of file straight from the descriptor (no stdio buffer keeps a copy).
std::optional<crypto::SecretBytes> read_fd(int fd) {
  crypto::SecretBytes buffer(4096);
  std::size_t used = 0;
  char chunk[4096];
  for (;;) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      crypto::wipe(chunk, sizeof chunk);
      return std::nullopt;
    }
    if (got == 0) break;
    append(buffer, used, chunk, static_cast<std::size_t>(got));
  }
  crypto::wipe(chunk, sizeof chunk);
  return shrink(buffer, used);
}

}  // namespace

std::optional<crypto::SecretBytes> read_secret_file(const std::string& path, FileError& error) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    error.message = because("cannot open", path);
    return std::nullopt;
  }
  auto contents = read_fd(fd.get());
  if (!contents) error.message = because("cannot read", path);
  return contents;
}

std::optional<crypto::SecretBytes> read_stdin() { return read_fd(STDIN_FILENO); }

bool write_secret_file(const std::string& path, const crypto::SecretBytes& contents, bool create_only,
                       FileError& error) {
  if (create_only) {
    struct stat existing;
    if (::lstat(path.c_str(), &existing) == 0) {
      error.message = path + " already exists; refusing to overwrite a key ring";
      return false;
    }
  }
  std::string temporary = path + ".tmp-XXXXXX";
  std::vector<char> name(temporary.begin(), temporary.end());
  name.push_back('\0');
  FileDescriptor fd(::mkstemp(name.data()));  // mode 0600
  if (fd.get() < 0) {
    error.message = because("cannot create a temporary file beside", path);
    return false;
  }
  temporary = name.data();
  const bool written = write_all(fd.get(), contents.data(), contents.size()) && ::fsync(fd.get()) == 0;
  if (!written || !fd.close()) {
    error.message = because("cannot write", temporary);
    ::unlink(temporary.c_str());
    return false;
  }
  // create_only: link() fails if the target appeared meanwhile; otherwise rename() replaces it.
  const bool placed = create_only ? ::link(temporary.c_str(), path.c_str()) == 0
                                  : ::rename(temporary.c_str(), path.c_str()) == 0;
  if (!placed) {
    error.message = errno == EEXIST ? path + " already exists; refusing to overwrite a key ring"
                                    : because("cannot write", path);
    ::unlink(temporary.c_str());
    return false;
  }
  if (create_only) ::unlink(temporary.c_str());
  return true;
}

}  // namespace dragops::dragopsctl
