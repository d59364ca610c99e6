#include "apiserver/tls_files.hpp"

#include "apiserver/json_util.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace dragops::apiserver {

namespace {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct BioFree { void operator()(BIO* p) const { BIO_free(p); } };
struct ExtFree { void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("certificate generation failed: ") + what);
}

Pkey new_key() {
  Pkey key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
  return bio_string(bio.get());
}

std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "write cert");
  return bio_string(bio.get());
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

Cert make_cert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  Cert cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), ca ? 10L * 365 * 24 * 3600 : 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* issuer_cert = issuer != nullptr ? issuer : cert.get();
  if (ca) {
    add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    add_ext(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  } else {
    add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), issuer_cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_ext(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid:always");
  }
  check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "sign");
  return cert;
}

Pkey read_key(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "read ca.key");
  return key;
}

Cert read_cert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, "read ca.crt");
  return cert;
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file_atomically(const std::filesystem::path& path, const std::string& contents, bool private_mode) {
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << contents;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  if (private_mode)
    std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(tmp, path);
}

ServingCredentials ensure_credentials(const std::filesystem::path& dir) {
  Pkey ca_key;
  Cert ca_cert;
  if (std::filesystem::exists(dir / "ca.key") && std::filesystem::exists(dir / "ca.crt")) {
    ca_key = read_key(read_file(dir / "ca.key"));
    ca_cert = read_cert(read_file(dir / "ca.crt"));
  } else {
    ca_key = new_key();
    ca_cert = make_cert(ca_key.get(), "dragops-local-apiserver-ca", nullptr, ca_key.get(), true);
    write_file_atomically(dir / "ca.key", key_pem(ca_key.get()), true);
    write_file_atomically(dir / "ca.crt", cert_pem(ca_cert.get()), false);
  }
  Pkey key = new_key();
  Cert cert = make_cert(key.get(), "127.0.0.1", ca_cert.get(), ca_key.get(), false);
  ServingCredentials creds{cert_pem(ca_cert.get()), cert_pem(cert.get()), key_pem(key.get())};
  write_file_atomically(dir / "tls.crt", creds.cert_pem, false);
  write_file_atomically(dir / "tls.key", creds.key_pem, true);
  return creds;
}

std::string ensure_token(const std::filesystem::path& dir, const std::string& given) {
  std::string token = given;
  // A restart with the same --dir keeps its credentials, as a real API server keeps its users.
  if (token.empty()) {
    std::ifstream existing(dir / "token");
    std::getline(existing, token);
  }
  if (token.empty()) {
    unsigned char raw[24];
    RAND_bytes(raw, sizeof raw);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char b : raw) {
      token += kHex[b >> 4];
      token += kHex[b & 0xf];
    }
  }
  write_file_atomically(dir / "token", token, true);
  return token;
}

void write_kubeconfig(const std::filesystem::path& dir, const std::string& server_url, const std::string& ca_pem,
                      const std::string& token) {
  std::string config =
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: local\n"
      "  cluster:\n"
      "    server: " + server_url + "\n"
      "    certificate-authority-data: " + base64_encode(ca_pem) + "\n"
      "users:\n"
      "- name: admin\n"
      "  user:\n"
      "    token: " + token + "\n"
      "contexts:\n"
      "- name: local\n"
      "  context:\n"
      "    cluster: local\n"
      "    user: admin\n"
      "    namespace: default\n"
      "current-context: local\n"
      "preferences: {}\n";
  write_file_atomically(dir / "kubeconfig", config, true);
}

}  // namespace dragops::apiserver
