#pragma once
// A SoftHSM2 token store in a temporary directory (SOFTHSM2_CONF points at it while it lives),
// with tokens initialised by softhsm2-util as an operator of a real HSM would.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace dragops::testing {

class SoftHsm {
 public:
  SoftHsm() {
    char pattern[] = "/tmp/dragops-softhsm.XXXXXX";
    dir_ = mkdtemp(pattern);
    std::filesystem::create_directory(dir_ / "tokens");
    std::ofstream(dir_ / "softhsm2.conf") << "directories.tokendir = " << (dir_ / "tokens").string()
                                          << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
  }
  ~SoftHsm() {
    unsetenv("SOFTHSM2_CONF");
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  SoftHsm(const SoftHsm&) = delete;
  SoftHsm& operator=(const SoftHsm&) = delete;

  // softhsm2-util --init-token --free; true when it succeeded.
  bool init_token(const std::string& label, const std::string& pin) {
    const std::string command = "softhsm2-util --init-token --free --label '" + label + "' --pin '" + pin +
                                "' --so-pin so-" + pin + " >" + (dir_ / "init.log").string() + " 2>&1";
    return std::system(command.c_str()) == 0;
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace dragops::testing
