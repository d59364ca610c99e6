#include "resident_pages.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace dragops::sidecar {

namespace {

struct Mapping {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  bool candidate = false;   // read-only, from a file
  std::size_t rss_kib = 0;
  std::size_t anonymous_kib = 0;
};

}  // namespace

std::size_t release_clean_file_pages() {
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return 0;
  std::vector<Mapping> mappings;
  std::string line;
  while (std::getline(smaps, line)) {
    unsigned long begin = 0, end = 0;
    char perms[8] = {};
    int path_at = 0;
    // "begin-end perms offset dev inode   path"
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s %n", &begin, &end, perms, &path_at) >= 3) {
      Mapping mapping;
      mapping.begin = begin;
      mapping.end = end;
      const char* path = path_at > 0 && static_cast<std::size_t>(path_at) <= line.size() ? line.c_str() + path_at : "";
      mapping.candidate = perms[0] == 'r' && perms[1] != 'w' && perms[3] == 'p' && path[0] == '/';
      mappings.push_back(mapping);
      continue;
    }
    if (mappings.empty()) continue;
    unsigned long kib = 0;
    if (std::sscanf(line.c_str(), "Rss: %lu kB", &kib) == 1) mappings.back().rss_kib = kib;
    else if (std::sscanf(line.c_str(), "Anonymous: %lu kB", &kib) == 1) mappings.back().anonymous_kib = kib;
  }
  std::size_t released = 0;
  for (const auto& mapping : mappings) {
    // A page that was copied on write (relocations in RELRO, a debugger's breakpoint) exists
    // nowhere else: such a mapping is left alone.
    if (!mapping.candidate || mapping.anonymous_kib != 0 || mapping.rss_kib == 0) continue;
    if (madvise(reinterpret_cast<void*>(mapping.begin), mapping.end - mapping.begin, MADV_DONTNEED) == 0) {
      released += mapping.rss_kib;
    }
  }
  return released;
}

}  // namespace dragops::sidecar
