#include "inject/certificates.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace dragops::inject {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
void free_extension(X509_EXTENSION* e) { X509_EXTENSION_free(e); }
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, free_extension>>;

template <class T>
using Result = boost::system::result<T, std::string>;
template <class T>
Result<T> fail(std::string message) {
  return Result<T>(boost::system::in_place_error, std::move(message));
}

Pkey new_key() { return Pkey(EVP_EC_gen("P-256")); }

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  std::string text = bio_text(bio.get());
  return text;
}

std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

X509Ptr read_cert(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Pkey read_key(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

X509Ptr new_certificate(EVP_PKEY* key, std::string_view common_name, std::chrono::system_clock::time_point now,
                        std::chrono::seconds lifetime) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  // Backdated a little: clocks across the cluster are not perfectly in step.
  const auto start = std::chrono::system_clock::to_time_t(now) - 300;
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), start);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), start + 300 + lifetime.count());
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(std::string(common_name).c_str()),
                             -1, -1, 0);
  return cert;
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* time) {
  struct tm tm {};
  ASN1_TIME_to_tm(time, &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::vector<std::string> service_dns_names(std::string_view service, std::string_view namespace_) {
  std::string base = std::string(service) + "." + std::string(namespace_);
  return {std::string(service), base, base + ".svc", base + ".svc.cluster.local"};
}

Result<CertificatePair> issue_ca(std::string_view common_name, std::chrono::system_clock::time_point now,
                                 std::chrono::seconds lifetime) {
  Pkey key = new_key();
  if (!key) return fail<CertificatePair>("cannot generate a CA key");
  X509Ptr cert = new_certificate(key.get(), common_name, now, lifetime);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  if (!add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash")) {
    return fail<CertificatePair>("cannot set the CA extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return fail<CertificatePair>("cannot sign the CA certificate");
  return CertificatePair{cert_pem(cert.get()), key_pem(key.get())};
}

Result<CertificatePair> issue_serving(const CertificatePair& ca, const std::vector<std::string>& dns_names,
                                      std::chrono::system_clock::time_point now, std::chrono::seconds lifetime) {
  X509Ptr ca_cert = read_cert(ca.certificate_pem);
  Pkey ca_key = read_key(ca.private_key_pem);
  if (!ca_cert || !ca_key) return fail<CertificatePair>("the CA certificate or key does not parse");
  if (dns_names.empty()) return fail<CertificatePair>("no DNS name for the serving certificate");
  Pkey key = new_key();
  X509Ptr cert = new_certificate(key.get(), dns_names.back(), now, lifetime);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  std::string san;
  for (const auto& name : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + name;
  if (!add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, san) ||
      !add_extension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid:always")) {
    return fail<CertificatePair>("cannot set the serving certificate extensions");
  }
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) return fail<CertificatePair>("cannot sign the serving certificate");
  return CertificatePair{cert_pem(cert.get()), key_pem(key.get())};
}

Result<Validity> validity_of(std::string_view certificate_pem) {
  X509Ptr cert = read_cert(certificate_pem);
  if (!cert) return fail<Validity>("the certificate does not parse");
  return Validity{to_time_point(X509_get0_notBefore(cert.get())), to_time_point(X509_get0_notAfter(cert.get()))};
}

bool certificate_covers(std::string_view certificate_pem, std::string_view dns_name) {
  X509Ptr cert = read_cert(certificate_pem);
  return cert && X509_check_host(cert.get(), dns_name.data(), dns_name.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
}

bool needs_renewal(const Validity& validity, std::chrono::system_clock::time_point now) {
  const auto lifetime = validity.not_after - validity.not_before;
  return now >= validity.not_before + lifetime * 2 / 3;
}

}  // namespace dragops::inject
