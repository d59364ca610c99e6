#!/usr/bin/env bash
# `make demo` is part of what CI runs: the tutorial must keep working end to end, on the embedded
# local server and (`make demo KUBE=real`) on the real control plane.
# ctest-backends: local real
set -euo pipefail
exec bash "$DRAGOPS_SOURCE_DIR/examples/demo.sh" "$DRAGOPS_BUILD_DIR"
