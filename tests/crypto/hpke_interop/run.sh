#!/usr/bin/env bash
# HPKE interop between src/crypto and @hpke/core (an independent RFC 9180 implementation on
# WebCrypto), one direction per run:
#   run.sh node_seals_cpp_opens TOOL   @hpke/core seals the cases to a key made in C++; C++ opens
#   run.sh cpp_seals_node_opens TOOL   C++ seals to a key made by @hpke/core; node opens
# TOOL is hpke_interop_tool. Each case (cases.json) is raw HPKE with its AEAD and an export, and
# a sealed value (docs/sealing.md). A missing node or npm package fails the test.
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
direction=${1:?direction}
tool=${2:?hpke_interop_tool}
DRAGOPS_HPKE_INTEROP_DIR=$("$here/setup.sh")
export DRAGOPS_HPKE_INTEROP_DIR
cases="$here/cases.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$direction" in
  node_seals_cpp_opens)
    "$tool" keygen >"$work/keys.json"
    public_key=$(jq -r .public_key "$work/keys.json")
    node "$here/interop.mjs" seal "$public_key" "$cases" >"$work/sealed.json"
    "$tool" open "$(jq -r .private_key "$work/keys.json")" "$public_key" "$cases" "$work/sealed.json"
    ;;
  cpp_seals_node_opens)
    node "$here/interop.mjs" keygen >"$work/keys.json"
    public_key=$(jq -r .public_key "$work/keys.json")
    "$tool" seal "$public_key" "$cases" >"$work/sealed.json"
    node "$here/interop.mjs" open "$(jq -r .private_key "$work/keys.json")" "$public_key" "$cases" "$work/sealed.json"
    ;;
  *)
    echo "run.sh: unknown direction $direction" >&2
    exit 2
    ;;
esac
echo "hpke interop $direction: $(jq length "$cases") cases passed"
