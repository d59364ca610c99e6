# sanitizer_env: the sanitizer settings of `make asan` / `make tsan` as NAME=VALUE words, for
# processes started under `env -i` (which would drop them, and with them tests/sanitized_ctest.sh's
# report directory). Prints nothing in a normal build.
sanitizer_env() {
  local name
  for name in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS; do
    [ -n "${!name:-}" ] && printf '%s=%s\n' "$name" "${!name}"
  done
  return 0
}
