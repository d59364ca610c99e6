#include "keyring_file.hpp"

#include "common/log.hpp"
#include "crypto/secret_bytes.hpp"

#include <boost/json/string_view.hpp>

#include <condition_variable>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace dragops::sidecar {

KeyringFile::KeyringFile(std::filesystem::path file, StoreCache& cache, std::function<void(bool)> on_reload)
    : file_(std::move(file)), cache_(cache), on_reload_(std::move(on_reload)) {}

bool KeyringFile::poll() {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) return loaded_;
  Signature now{static_cast<std::uintmax_t>(st.st_ino), static_cast<std::uintmax_t>(st.st_size),
                static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  if (loaded_ && now == seen_) return true;

  int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return loaded_;
  crypto::SecretBytes content(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == content.size()) break;
    auto n = ::read(fd, content.data() + used, content.size() - used);
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  seen_ = now;
  auto ring = crypto::Keyring::load(content.view().substr(0, used));
  if (!ring) {
    log::warn("cannot load the key ring; keeping the last one",
              {{"file", boost::json::string_view(file_.native())}, {"reason", boost::json::string_view(ring.error())}});
    if (on_reload_) on_reload_(false);
    return loaded_;
  }
  cache_.set_keyring(std::make_shared<const crypto::Keyring>(std::move(*ring)));
  loaded_ = true;
  log::info("key ring loaded", {{"file", boost::json::string_view(file_.native())}});
  if (on_reload_) on_reload_(true);
  return true;
}

void KeyringFile::start(std::chrono::milliseconds period) {
  thread_ = std::jthread([this, period](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      poll();
      std::unique_lock lock(mutex);
      cv.wait_for(lock, stop, period, [] { return false; });
    }
  });
}

void KeyringFile::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace dragops::sidecar
