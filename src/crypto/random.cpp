#include "crypto/random.hpp"

#include <openssl/rand.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace dragops::crypto {
namespace {

[[noreturn]] void give_up() {
  std::fputs("dragops: the OS random number generator failed; aborting\n", stderr);
  std::abort();
}

void openssl_random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) give_up();
    done += chunk;
  }
}

}  // namespace

void random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    // Flags 0: blocks only until the kernel pool is first initialised, never afterwards.
    const ssize_t got = ::getrandom(out.data() + done, out.size() - done, 0);
    if (got > 0) {
      done += static_cast<std::size_t>(got);
    } else if (got < 0 && errno == EINTR) {
      continue;
    } else if (got < 0 && errno == ENOSYS) {
      openssl_random_bytes(out.subspan(done));
      return;
    } else {
      give_up();
    }
  }
}

}  // namespace dragops::crypto
