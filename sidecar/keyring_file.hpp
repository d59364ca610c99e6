#pragma once
// The namespace key ring from the key volume (DRAGOPS_KEY_DIR/keyring). The kubelet updates a
// Secret volume by swapping the `..data` symlink, so the file is re-checked by (inode, size,
// mtime) of what the path resolves to, every poll period, and reloaded when that changes.

#include "store_cache.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <thread>

namespace dragops::sidecar {

class KeyringFile {
 public:
  // on_reload(ok) is called after every load attempt that saw a changed file.
  KeyringFile(std::filesystem::path file, StoreCache& cache, std::function<void(bool)> on_reload = {});

  // Loads now if the file changed since the last look. true if a ring is loaded afterwards.
  bool poll();
  // Polls every period on a thread until stopped.
  void start(std::chrono::milliseconds period);
  void stop();

 private:
  struct Signature {
    std::uintmax_t inode = 0, size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const Signature&) const = default;
  };
  std::filesystem::path file_;
  StoreCache& cache_;
  std::function<void(bool)> on_reload_;
  Signature seen_{};
  bool loaded_ = false;
  std::jthread thread_;
};

}  // namespace dragops::sidecar
