# free_port (sourced by tests/kube/control-plane.sh and tests/e2e/lib/cluster.sh): prints a port
# that nothing listens on right now, below the ephemeral range (32768+) that client sockets use
# (bash only; the small race until the caller binds it is acceptable in tests).
free_port() {
  local port
  while :; do
    port=$((10000 + RANDOM % 22000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
