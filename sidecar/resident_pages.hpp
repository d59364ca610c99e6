#pragma once
// Lets go of the file pages (program and library code, read-only data) that start-up mapped into
// the sidecar, once it is ready.
//
// Most of the sidecar's resident set is file pages it maps but does not own: the kernel maps
// 64 KiB around every page fault in a shared library ("fault-around"), and start-up (kubeconfig
// YAML, the TLS handshake with the API server, the first list) faults in code that requests
// never run again. Those pages count in RSS although they are page cache shared with every
// process using the same files. madvise(MADV_DONTNEED) on read-only, file-backed mappings that
// hold no private (copy-on-write) page drops them from this process's page tables only: the
// pages stay in the page cache, and whatever is used again is mapped back on its next access.
// Writable mappings, anonymous memory and any mapping with a modified page are never touched.

#include <cstddef>

namespace dragops::sidecar {

// Returns the KiB that were resident in the mappings it released (0 if /proc/self/smaps cannot
// be read).
std::size_t release_clean_file_pages();

}  // namespace dragops::sidecar
