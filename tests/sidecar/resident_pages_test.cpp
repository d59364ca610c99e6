// release_clean_file_pages: drops clean file pages from the resident set and nothing else.

#include "resident_pages.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace dragops::sidecar {
namespace {

std::size_t rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

TEST(ResidentPages, ReleasesCodePagesAndKeepsTheProcessWorking) {
  const std::size_t before = rss_kib();
  const std::size_t released = release_clean_file_pages();
  EXPECT_GT(released, 0u);   // this binary's and its libraries' code, at least
  EXPECT_LT(rss_kib(), before);
  // Code and data are still there: they are mapped back on use.
  std::vector<std::string> words{"still", "here"};
  EXPECT_EQ(words[0] + " " + words[1], "still here");
  EXPECT_GT(release_clean_file_pages(), 0u);   // what the test touched since
}

TEST(ResidentPages, LeavesHeapAndWritableMemoryAlone) {
  std::vector<unsigned char> heap(4 << 20, 0x5a);   // anonymous, written
  static unsigned char data[64 * 1024] = {1};      // the binary's writable data
  for (std::size_t i = 0; i < sizeof data; i += 4096) data[i] = 0x33;
  release_clean_file_pages();
  for (std::size_t i = 0; i < heap.size(); i += 4096) ASSERT_EQ(heap[i], 0x5a);
  for (std::size_t i = 0; i < sizeof data; i += 4096) ASSERT_EQ(data[i], 0x33);
}

}  // namespace
}  // namespace dragops::sidecar
