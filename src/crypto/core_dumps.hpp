#pragma once
// Keeps plaintext out of core dumps. A crash of a process holding decrypted credentials or key
// material would otherwise write them to disk (or hand them to systemd-coredump, or a cluster's
// crash collector). Both binaries and dragopsctl call this first thing in main:
//   - RLIMIT_CORE is set to 0 (soft and hard), so no core file is written, and
//   - the process is marked not dumpable (prctl PR_SET_DUMPABLE 0), which also stops core pipes
//     and unprivileged ptrace/process_vm_readv from reading its memory.
// Returns 0, or the errno of the step that failed; callers refuse to start on failure.

namespace dragops::crypto {

int forbid_core_dumps();

// True when this process will not dump core: RLIMIT_CORE is 0 and it is not dumpable.
bool core_dumps_forbidden();

}  // namespace dragops::crypto
