# dragops-connections: every target does its own set-up.
# `make demo` and `make test` are the two commands a new user runs.

SHELL      := /bin/bash
BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
WERROR     ?= $(if $(CI),ON,OFF)
FUZZ_SECONDS ?= 60

# Debian bookworm packages the build and the tests use (see DEVELOPERS.md).
DEB_PACKAGES := build-essential cmake ninja-build pkg-config git curl xxd jq \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
  libssl-dev openssl libyaml-cpp-dev prometheus-cpp-dev \
  libgtest-dev libgmock-dev googletest \
  clang libclang-rt-14-dev \
  prometheus wrk nginx-light unzip python3 python3-cryptography chromium \
  libp11-kit-dev softhsm2 \
  umoci skopeo runc
# node and npm: Debian's nodejs and npm, unless a node with npm is already installed.
NODE_PACKAGES := nodejs npm

# The real control plane (tests/kube/upstream) is built with Go; the Go of these machines lives here.
export PATH := $(PATH):/usr/local/go/bin

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DDRAGOPS_WERROR=$(WERROR)

.PHONY: all deps build kube images test asan tsan fuzz bench demo clean

all: build

# Installs only what is missing; `apt-get update` runs once, and only if something is.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing="$$missing $(NODE_PACKAGES)"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

# kube-apiserver, kube-controller-manager, kubectl and etcd of the pinned release, built from their
# Go modules once into ~/.cache/dragops/kube-<version>-etcd-<version>-<hash>/bin (see
# tests/kube/upstream/README.md); later runs, from any clone, reuse them.
kube:
	@start=$$(date +%s); bin=$$(tests/kube/upstream/build.sh) && \
	  echo "kube: $$(ls $$bin | tr '\n' ' ')in $$bin ($$(( $$(date +%s) - start )) s)" && \
	  $$bin/kubectl version --client | head -1

# The three OCI image archives, $(BUILD)/images/dragops-{operator,sidecar,dashboard}.tar, built without a
# Docker daemon from this build's binaries (docker/images.sh: umoci, GNU tar; docs/install.md#images).
images: build
	@start=$$(date +%s); cmake --build $(BUILD) --target images && echo "images: built in $$(( $$(date +%s) - start )) s"

# The fuzzers run first so that CTest's summary is the last thing `make test` prints. Both tiers
# run: the local API server (label `local`) and the real control plane (label `real`).
test: build kube images
	$(MAKE) --no-print-directory fuzz-run
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

asan: deps
	cmake -S . -B build-asan $(CMAKE_FLAGS) -DDRAGOPS_SANITIZE=address
	cmake --build build-asan -j $(JOBS)
	tests/sanitized_ctest.sh build-asan address -j $(JOBS) --timeout 1800

tsan: deps
	cmake -S . -B build-tsan $(CMAKE_FLAGS) -DDRAGOPS_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS)
	tests/sanitized_ctest.sh build-tsan thread -j $(JOBS) --timeout 1800

# libFuzzer targets, built with clang into their own tree.
fuzz: deps
	CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRAGOPS_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets

# Each fuzzer runs FUZZ_SECONDS; a crash or a leak fails the target.
fuzz-run: fuzz
	@set -e; for f in build-fuzz/fuzz/fuzz_*; do \
	  [ -x "$$f" ] || continue; name=$$(basename $$f); \
	  corpus=fuzz/corpus/$${name#fuzz_}; mkdir -p build-fuzz/corpus-$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -detect_leaks=1 -print_final_stats=1 \
	      -artifact_prefix=build-fuzz/ build-fuzz/corpus-$$name $$( [ -d $$corpus ] && echo $$corpus ) 2>build-fuzz/$$name.log \
	    || { tail -50 build-fuzz/$$name.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|Done' build-fuzz/$$name.log | tail -2; \
	done

bench: build images
	@bash bench/run.sh $(BUILD)

# KUBE=real runs the same flow on the real control plane (make kube builds it first).
KUBE ?= local
demo: build $(if $(filter real,$(KUBE)),kube)
	@DRAGOPS_E2E_BACKEND=$(KUBE) bash examples/demo.sh $(BUILD)

clean:
	rm -rf build build-asan build-tsan build-fuzz
