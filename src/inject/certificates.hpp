#pragma once
// The webhook's serving certificate: a self-signed CA and a serving certificate it signs, with
// the Service's DNS names (<service>.<namespace>.svc and .svc.cluster.local). EC P-256, SHA-256.
// Pure functions of their inputs and the clock value given; key material as PEM text.

#include <boost/system/result.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::inject {

struct CertificatePair {
  std::string certificate_pem;
  std::string private_key_pem;
};

struct Validity {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

// <service>, <service>.<ns>, <service>.<ns>.svc, <service>.<ns>.svc.cluster.local
std::vector<std::string> service_dns_names(std::string_view service, std::string_view namespace_);

boost::system::result<CertificatePair, std::string> issue_ca(std::string_view common_name,
                                                              std::chrono::system_clock::time_point now,
                                                              std::chrono::seconds lifetime);
boost::system::result<CertificatePair, std::string> issue_serving(const CertificatePair& ca,
                                                                   const std::vector<std::string>& dns_names,
                                                                   std::chrono::system_clock::time_point now,
                                                                   std::chrono::seconds lifetime);

// Validity of the first certificate in a PEM text.
boost::system::result<Validity, std::string> validity_of(std::string_view certificate_pem);
// True if the first certificate in the PEM names dns_name (SAN).
bool certificate_covers(std::string_view certificate_pem, std::string_view dns_name);
// cert-manager's default policy: renew once two thirds of the lifetime have passed.
bool needs_renewal(const Validity& validity, std::chrono::system_clock::time_point now);

}  // namespace dragops::inject
