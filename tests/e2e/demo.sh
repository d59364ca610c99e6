#!/usr/bin/env bash
# `make demo` is part of what CI runs: the tutorial must keep working end to end.
set -euo pipefail
exec bash "$DRAGOPS_SOURCE_DIR/examples/demo.sh" "$DRAGOPS_BUILD_DIR"
