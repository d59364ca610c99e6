# Least privilege for processes the tests start as if in a pod (sourced; needs KUBECONFIG).

# service_account_kubeconfig NAMESPACE SERVICEACCOUNT FILE: writes FILE, a kubeconfig for the
# admin's cluster (server and CA) whose only credential is a TokenRequest token for the
# ServiceAccount (created if missing), so a process started with it has exactly the rights RBAC
# gives that ServiceAccount, as in a pod. Works whatever credential the admin kubeconfig holds.
service_account_kubeconfig() {
  local ns=$1 sa=$2 file=$3 token
  kubectl -n "$ns" get serviceaccount "$sa" >/dev/null 2>&1 ||
    kubectl -n "$ns" create serviceaccount "$sa" >/dev/null || return 1
  token=$(kubectl -n "$ns" create token "$sa" --duration 24h) || return 1
  token_kubeconfig "$file" "$token" "$ns"
}

# token_kubeconfig FILE [TOKEN [NAMESPACE]]: writes FILE, a kubeconfig for the admin's cluster
# (server and CA) with TOKEN as its only credential, or none at all (a client then has only what
# it passes itself, e.g. kubectl --token).
token_kubeconfig() {
  local file=$1 token=${2:-} ns=${3:-default} server ca
  server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}') || return 1
  ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}') || return 1
  (umask 077 && cat >"$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
- name: user
  user: {$([ -n "$token" ] && printf 'token: "%s"' "$token")}
contexts:
- name: context
  context: {cluster: cluster, user: user, namespace: $ns}
current-context: context
YAML
  )
}

# chart_operator_kubeconfig SOURCE_DIR FILE [HELM-ARGS...]: applies the chart's ServiceAccount and
# RBAC (controller and webhook rules, rendered by helm for release dragops in dragops-system, with
# HELM-ARGS such as --set-json watchNamespaces=[...]) and writes FILE for that ServiceAccount.
# Fails when helm is unavailable (tests/tools/fetch-tools.sh).
chart_operator_kubeconfig() {
  local source=$1 file=$2 helm
  shift 2
  helm=$("$source/tests/tools/fetch-tools.sh" helm 2>/dev/null | awk '$1 == "helm" { print $2 }')
  [ -n "$helm" ] || return 1
  "$helm" template dragops "$source/charts/dragops" --namespace dragops-system "$@" \
    --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml 2>/dev/null |
    kubectl apply -f - >/dev/null || return 1
  service_account_kubeconfig dragops-system dragops-operator "$file"
}
