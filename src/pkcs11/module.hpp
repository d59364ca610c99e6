#pragma once
// A PKCS#11 module (a shared library implementing Cryptoki), loaded with dlopen and initialised
// for this process; finalised and unloaded when the last holder drops it. Only this folder
// includes the Cryptoki header (p11-kit's pkcs11.h, Debian libp11-kit-dev).

#include <boost/system/result.hpp>

#include <memory>
#include <string>

struct _CK_FUNCTION_LIST;   // CK_FUNCTION_LIST of pkcs11.h

namespace dragops::pkcs11 {

class Module {
 public:
  // The error names the module and what failed (not found, not a PKCS#11 module, C_Initialize).
  static boost::system::result<std::shared_ptr<Module>, std::string> load(const std::string& path);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  _CK_FUNCTION_LIST* functions() const { return functions_; }
  const std::string& path() const { return path_; }

 private:
  Module(void* handle, _CK_FUNCTION_LIST* functions, bool finalize, std::string path);
  void* handle_;
  _CK_FUNCTION_LIST* functions_;
  bool finalize_;
  std::string path_;
};

// "CKR_PIN_INCORRECT" for a Cryptoki return value; "CKR_0x..." for one without a name here.
std::string return_name(unsigned long rv);

}  // namespace dragops::pkcs11
