#pragma once
// Test certificates made with the openssl CLI in a fresh temporary folder: a CA, a server
// certificate for 127.0.0.1/localhost, one for another name only, a client certificate, and an
// unrelated CA.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace dragops::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

struct TestPki {
  std::filesystem::path dir;

  std::string ca_pem() const { return read_text(dir / "ca.crt"); }
  std::string other_ca_pem() const { return read_text(dir / "other-ca.crt"); }
  std::string server_cert_pem() const { return read_text(dir / "server.crt"); }
  std::string server_key_pem() const { return read_text(dir / "server.key"); }
  std::string wrong_name_cert_pem() const { return read_text(dir / "wrongname.crt"); }
  std::string wrong_name_key_pem() const { return read_text(dir / "wrongname.key"); }
  std::string client_cert_pem() const { return read_text(dir / "client.crt"); }
  std::string client_key_pem() const { return read_text(dir / "client.key"); }

  static TestPki make() {
    auto dir = std::filesystem::temp_directory_path() /
               ("dragops-pki-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir);
    const std::string d = dir.string();
    const std::string script =
        "set -e; cd '" + d + "';"
        "q() { \"$@\" >/dev/null 2>&1; };"
        "q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt "
        "  -days 2 -subj /CN=dragops-test-ca;"
        "q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -out other-ca.crt "
        "  -days 2 -subj /CN=dragops-other-ca;"
        "leaf() { q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr "
        "  -subj /CN=$1; printf '%s\\n' \"$2\" > $1.ext;"
        "  q openssl x509 -req -in $1.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $1.crt -days 2 "
        "  -extfile $1.ext; };"
        "leaf server 'subjectAltName=IP:127.0.0.1,DNS:localhost';"
        "leaf wrongname 'subjectAltName=DNS:not-this-host.example';"
        "leaf client 'extendedKeyUsage=clientAuth';";
    if (std::system(("bash -c \"" + escape(script) + "\"").c_str()) != 0) {
      throw std::runtime_error("openssl could not make the test certificates");
    }
    return TestPki{dir};
  }

 private:
  static int& counter() {
    static int value = 0;
    return value;
  }
  static std::string escape(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '"' || c == '$' || c == '\\' || c == '`') out += '\\';
      out += c;
    }
    return out;
  }
};

}  // namespace dragops::testing
