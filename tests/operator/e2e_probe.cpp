// dragops-e2e-probe: what the operator end-to-end scripts cannot do well with kubectl alone.
// It never prints a credential value: only names, counts, verdicts and timings.
//
//   probe open-connection NS NAME EXPECT_FILE   store opens with the namespace's projected ring to
//                                               exactly the key=value lines of EXPECT_FILE
//   probe open-secret NS NAME ENV EXPECT_FILE   same for one environment of a dragops Secret
//   probe all-open NS                           every store in NS opens; prints "stores N versions V.."
//   probe sample-open NS MILLIS                 all-open repeatedly for MILLIS; prints samples/failures
//   probe reseal-latency NS SECRET KEY STORE N  changes SECRET[KEY] N times, waits for STORE to change
//                                               after each; prints p50/p99/max in ms
//   probe root-open-rings pkcs11 MODULE TOKEN KEY PINFILE
//   probe root-open-rings plain RINGFILE        the root key from the token (or a plain ring file)
//                                               opens every ring and the sealing keys sealed under
//                                               it; prints "root versions V.. opened N of M"
// KUBECONFIG selects the server.

#include "crypto/envelope.hpp"
#include "crypto/base64.hpp"
#include "kube/config.hpp"
#include "kube/http_api.hpp"
#include "store/json_access.hpp"
#include "pkcs11/token_key.hpp"
#include "store/keyring_objects.hpp"
#include "store/names.hpp"
#include "store/root_key.hpp"
#include "store/store_object.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace dragops;
namespace json = boost::json;

namespace {

std::map<std::string, std::string> read_expectations(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

kube::Result<crypto::Keyring> projected_ring(kube::Api& api, const std::string& ns) {
  auto secret = api.get(kube::gvr::secrets(), ns, store::kProjectedKeyringName);
  if (!secret) return secret.error();
  auto ring = store::load_plain_keyring(*secret);
  if (!ring) return kube::Status{0, "BadKeyring", ring.error()};
  return std::move(*ring);
}

int compare(const store::Plaintexts& got, const std::map<std::string, std::string>& expected) {
  int bad = 0;
  for (const auto& [key, value] : expected) {
    auto it = got.find(key);
    if (it == got.end()) {
      std::cout << "missing " << key << "\n";
      ++bad;
    } else if (it->second.view() != value) {
      std::cout << "differs " << key << "\n";
      ++bad;
    }
  }
  for (const auto& [key, value] : got)
    if (!expected.count(key)) {
      std::cout << "unexpected " << key << "\n";
      ++bad;
    }
  if (!bad) std::cout << "OK " << got.size() << " values\n";
  return bad ? 1 : 0;
}

// Every sealed store in ns opens with the projected ring read at the same moment.
bool all_open(kube::Api& api, const std::string& ns, std::size_t& stores, std::set<std::uint32_t>& versions,
              std::string& failure) {
  auto ring = projected_ring(api, ns);
  if (!ring) {
    failure = "projected ring: " + ring.error().reason;
    return false;
  }
  kube::ListOptions options;
  options.label_selector = "app.kubernetes.io/managed-by=dragops-operator";
  auto list = api.list(kube::gvr::secrets(), ns, options);
  if (!list) {
    failure = "list: " + list.error().reason;
    return false;
  }
  stores = 0;
  for (const auto& item : list->at("items").as_array()) {
    const auto& object = item.as_object();
    if (object.at("type").as_string() != store::kSealedType) continue;
    ++stores;
    auto parsed = store::parse_store(object);
    if (!parsed) {
      failure = parsed.error();
      return false;
    }
    for (const auto& [key, envelope] : parsed->envelopes)
      if (auto v = crypto::key_version_of(envelope)) versions.insert(*v);
    auto opened = store::open_items(*parsed, *ring);
    if (!opened) {
      failure = parsed->owner.name + "/" + opened.error().item + ": " + opened.error().message;
      return false;
    }
  }
  return true;
}

int reseal_latency(kube::Api& api, const std::string& ns, const std::string& secret, const std::string& key,
                   const std::string& store_name, int count) {
  std::mutex mutex;
  std::condition_variable cv;
  std::string last_rv;
  std::stop_source stop;
  auto initial = api.get(kube::gvr::secrets(), ns, store_name);
  if (!initial) {
    std::cerr << "store not found\n";
    return 1;
  }
  last_rv = initial->at("metadata").at("resourceVersion").as_string();
  std::jthread watcher([&] {
    while (!stop.stop_requested()) {
      kube::WatchOptions options;
      options.field_selector = "metadata.name=" + store_name;
      {
        std::lock_guard lock(mutex);
        options.resource_version = last_rv;
      }
      api.watch(kube::gvr::secrets(), ns, options, [&](kube::WatchEvent&& event) {
        if (event.type != "MODIFIED" && event.type != "ADDED") return true;
        std::lock_guard lock(mutex);
        last_rv = event.object.at("metadata").at("resourceVersion").as_string();
        cv.notify_all();
        return true;
      }, stop.get_token());
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));   // let the watch open
  std::vector<double> latencies;
  for (int i = 0; i < count; ++i) {
    std::string before;
    {
      std::lock_guard lock(mutex);
      before = last_rv;
    }
    const std::string value = "reseal-value-" + std::to_string(i) + "-" + std::to_string(std::rand());
    const auto encoded = crypto::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
    const auto start = std::chrono::steady_clock::now();
    auto patched = api.patch(kube::gvr::secrets(), ns, secret, kube::PatchType::merge,
                             json::serialize(json::object{{"data", json::object{{key, encoded}}}}));
    if (!patched) {
      std::cerr << "patch failed: " << patched.error().reason << "\n";
      return 1;
    }
    std::unique_lock lock(mutex);
    if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return last_rv != before; })) {
      std::cerr << "change " << i << " not re-sealed within 5 s\n";
      return 1;
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  stop.request_stop();
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) { return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(q * latencies.size()))]; };
  std::printf("reseal latency over %d changes: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", count, at(0.50), at(0.99),
              latencies.back());
  watcher.request_stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << "usage: see the header of tests/operator/e2e_probe.cpp\n";
    return 2;
  }
  auto config = kube::load_kubeconfig_from_env();
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  auto api_result = kube::HttpApi::create(*config);
  if (!api_result) return 2;
  auto& api = **api_result;
  const auto& command = args[0];

  if ((command == "open-connection" && args.size() == 4) || (command == "open-secret" && args.size() == 5)) {
    const auto& ns = args[1];
    auto ring = projected_ring(api, ns);
    if (!ring) {
      std::cout << "no projected key ring: " << ring.error().reason << "\n";
      return 1;
    }
    const bool connection = command == "open-connection";
    auto object = api.get(kube::gvr::secrets(), ns, store::store_name(connection ? store::Kind::connection : store::Kind::secret, args[2]));
    if (!object) {
      std::cout << "no store: " << object.error().reason << "\n";
      return 1;
    }
    if (connection) {
      auto opened = store::open_connection(*object, *ring);
      if (!opened) {
        std::cout << "does not open: " << opened.error().item << " " << opened.error().message << "\n";
        return 1;
      }
      return compare(opened->fields, read_expectations(args[3]));
    }
    auto opened = store::open_secret(*object, *ring, args[3]);
    if (!opened) {
      std::cout << "does not open: " << opened.error().item << " " << opened.error().message << "\n";
      return 1;
    }
    store::Plaintexts got;
    got.emplace("value", std::move(opened->value));
    return compare(got, read_expectations(args[4]));
  }
  if (command == "root-open-rings" && ((args.size() == 6 && args[1] == "pkcs11") || (args.size() == 3 && args[1] == "plain"))) {
    auto root_secret = api.get(kube::gvr::secrets(), "dragops-system", store::kRootKeyName);
    if (!root_secret) {
      std::cout << "FAIL no root key Secret\n";
      return 1;
    }
    boost::system::result<crypto::Keyring, std::string> root{boost::system::in_place_error, "unread"};
    if (args[1] == "plain") {
      std::ifstream in(args[2]);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      root = crypto::Keyring::load(text);
    } else {
      std::ifstream in(args[5]);
      std::string pin;
      std::getline(in, pin);
      // DRAGOPS_PROBE_CREATE_KEY: make a key of that label on a token that has none (an impostor).
      const bool create = std::getenv("DRAGOPS_PROBE_CREATE_KEY") != nullptr;
      auto token = pkcs11::TokenKey::open({args[2], args[3], std::nullopt, args[4], create}, crypto::SecretBytes::from_string(pin));
      if (!token) {
        std::cout << "FAIL " << token.error() << "\n";
        return 1;
      }
      root = store::load_root_key(*root_secret, token->get());
    }
    if (!root) {
      std::cout << "FAIL " << root.error() << "\n";
      return 1;
    }
    const std::string uid(store::json_access::meta_string(*root_secret, "uid"));
    auto list = api.list(kube::gvr::secrets(), "dragops-system", {});
    if (!list) return 2;
    int total = 0, opened = 0;
    for (const auto& item : list->at("items").as_array()) {
      const auto& object = item.as_object();
      const auto type = object.at("type").as_string();
      const std::string name(store::json_access::meta_string(object, "name"));
      if (type == store::kKeyringType && name.starts_with("dragops-keyring-")) {
        ++total;
        const std::string app(store::json_access::annotation(object, "dragops.io/namespace"));
        if (store::open_authoritative_keyring(object, app, uid, *root)) ++opened;
      } else if (type == store::kSealingKeysType) {
        ++total;
        auto envelope = crypto::base64_decode(object.at("data").at(store::kSealingKeysDataKey).as_string());
        const crypto::Context context{"dragops-system", "SealingKeys", std::string(store::kSealingKeysName), uid,
                                      std::string(store::kSealingKeysDataKey)};
        if (envelope && crypto::open(*root, context, *envelope)) ++opened;
      }
    }
    std::cout << "root versions";
    for (auto v : root->versions()) std::cout << " " << v;
    std::cout << " opened " << opened << " of " << total << "\n";
    return opened == total && total > 0 ? 0 : 1;
  }
  if (command == "all-open" && args.size() == 2) {
    std::size_t stores = 0;
    std::set<std::uint32_t> versions;
    std::string failure;
    if (!all_open(api, args[1], stores, versions, failure)) {
      std::cout << "FAIL " << failure << "\n";
      return 1;
    }
    std::cout << "stores " << stores << " versions";
    for (auto v : versions) std::cout << " " << v;
    std::cout << "\n";
    return 0;
  }
  if (command == "sample-open" && args.size() == 3) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::stoi(args[2]));
    int samples = 0, failures = 0;
    std::set<std::uint32_t> seen;
    while (std::chrono::steady_clock::now() < until) {
      std::size_t stores = 0;
      std::string failure;
      ++samples;
      if (!all_open(api, args[1], stores, seen, failure)) {
        ++failures;
        std::cout << "sample " << samples << " FAIL " << failure << "\n";
      }
    }
    std::cout << "samples " << samples << " failures " << failures << " versions seen";
    for (auto v : seen) std::cout << " " << v;
    std::cout << "\n";
    return failures ? 1 : 0;
  }
  if (command == "reseal-latency" && args.size() == 6)
    return reseal_latency(api, args[1], args[2], args[3], args[4], std::stoi(args[5]));
  std::cerr << "unknown command or wrong arguments\n";
  return 2;
}
