#include "crypto/core_dumps.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>

namespace dragops::crypto {

int forbid_core_dumps() {
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) return errno;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return errno;
  return 0;
}

bool core_dumps_forbidden() {
  rlimit limit{};
  if (getrlimit(RLIMIT_CORE, &limit) != 0) return false;
  return limit.rlim_cur == 0 && limit.rlim_max == 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

}  // namespace dragops::crypto
