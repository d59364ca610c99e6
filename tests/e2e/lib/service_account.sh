# Least privilege for processes the tests start as if in a pod (sourced; needs KUBECONFIG).

# service_account_kubeconfig NAMESPACE SERVICEACCOUNT FILE: writes FILE, the admin kubeconfig with
# the admin's token replaced by a TokenRequest token for the ServiceAccount (created if missing),
# so a process started with it has exactly the rights RBAC gives that ServiceAccount, as in a pod.
service_account_kubeconfig() {
  local ns=$1 sa=$2 file=$3 token
  kubectl -n "$ns" get serviceaccount "$sa" >/dev/null 2>&1 ||
    kubectl -n "$ns" create serviceaccount "$sa" >/dev/null || return 1
  token=$(kubectl -n "$ns" create token "$sa" --duration 24h) || return 1
  sed -e "s|^    token: .*|    token: $token|" -e "s|^    namespace: .*|    namespace: $ns|" "$KUBECONFIG" >"$file"
  chmod 600 "$file"
}
