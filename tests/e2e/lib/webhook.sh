# The sidecar injector registered as the chart does (sourced): Service dragops-webhook (443) in
# dragops-system and the MutatingWebhookConfiguration dragops-sidecar-injector for pod creation
# (and pods/ephemeralcontainers), called only for pods annotated dragops.io/inject: "true"; and
# the Connection/Secret admission (owner annotation, reference checks): the Mutating- and
# ValidatingWebhookConfiguration dragops-resources (charts/dragops/templates/resourcewebhooks.yaml).
# The API server calls a service webhook at the Service's ClusterIP and port, as kube-apiserver
# does without kube-proxy's help: both test API servers allocate ClusterIPs from a loopback range
# (127.R.0.0/16), so the operator listens on <ClusterIP>:443 itself.
# The operator started with --webhook-addr "$WEBHOOK_ADDR" then patches the caBundle and serves it.
# WEBHOOK_SERVICE_PORT (default 443) moves the Service's port, for an operator that may not bind
# 443 (tests/e2e/image_run.sh runs the image as uid 65532 without capabilities, on 9443).

# webhook_register: creates the Service and the configuration; sets WEBHOOK_ADDR (host:port).
webhook_register() {
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dragops-system}\n' | kubectl apply -f - >/dev/null || return 1
  cat <<EOF2 | kubectl apply -f - >/dev/null || return 1
apiVersion: v1
kind: Service
metadata: {name: dragops-webhook, namespace: dragops-system}
spec:
  ports: [{name: https, port: ${WEBHOOK_SERVICE_PORT:-443}, targetPort: 9443}]
EOF2
  WEBHOOK_ADDR=$(webhook_service_addr dragops-system dragops-webhook) || return 1
  cat <<EOF2 | kubectl apply -f - >/dev/null
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: dragops-sidecar-injector}
webhooks:
- name: sidecar-injector.dragops.io
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  timeoutSeconds: 10
  clientConfig:
    service: {name: dragops-webhook, namespace: dragops-system, path: /mutate-pods, port: ${WEBHOOK_SERVICE_PORT:-443}}
  rules:
  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  - {apiGroups: [""], apiVersions: [v1], operations: [UPDATE], resources: [pods/ephemeralcontainers]}
  matchConditions:
  - name: dragops-inject-annotation
    expression: "has(object.metadata.annotations) && 'dragops.io/inject' in object.metadata.annotations && object.metadata.annotations['dragops.io/inject'] == 'true'"
EOF2
  local kind name path
  for kind in MutatingWebhookConfiguration ValidatingWebhookConfiguration; do
    if [ "$kind" = MutatingWebhookConfiguration ]; then name=owner path=/mutate-resources
    else name=references path=/validate-resources; fi
    cat <<EOF2 | kubectl apply -f - >/dev/null || return 1
apiVersion: admissionregistration.k8s.io/v1
kind: $kind
metadata: {name: dragops-resources}
webhooks:
- name: $name.resources.dragops.io
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Fail
  timeoutSeconds: 10
  clientConfig:
    service: {name: dragops-webhook, namespace: dragops-system, path: $path, port: ${WEBHOOK_SERVICE_PORT:-443}}
  rules:
  - {apiGroups: [dragops.io], apiVersions: [v1alpha1], operations: [CREATE, UPDATE], resources: [connections, secrets]}
EOF2
  done
}

# webhook_unregister_resources: removes the Connection/Secret admission (for scripts that create
# Connections while no operator serves the webhook).
webhook_unregister_resources() {
  kubectl delete mutatingwebhookconfiguration dragops-resources --ignore-not-found >/dev/null &&
    kubectl delete validatingwebhookconfiguration dragops-resources --ignore-not-found >/dev/null
}

# webhook_service_addr NAMESPACE SERVICE: where the API server will call the Service's webhook,
# as host:port: its ClusterIP and port (both test API servers give every Service a ClusterIP;
# an Endpoints at 127.0.0.1 would be refused, as kube refuses loopback endpoint addresses).
webhook_service_addr() {
  local ip
  ip=$(kubectl -n "$1" get service "$2" -o jsonpath='{.spec.clusterIP}') || return 1
  if [ -z "$ip" ] || [ "$ip" = None ]; then echo "Service $1/$2 has no ClusterIP" >&2; return 1; fi
  echo "$ip:${WEBHOOK_SERVICE_PORT:-443}"
}

# webhook_serving: true once the operator patched every caBundle and WEBHOOK_ADDR accepts connections.
webhook_serving() {
  [ -n "$(kubectl get mutatingwebhookconfiguration dragops-sidecar-injector \
    -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)" ] &&
    [ -n "$(kubectl get mutatingwebhookconfiguration dragops-resources \
      -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)" ] &&
    [ -n "$(kubectl get validatingwebhookconfiguration dragops-resources \
      -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)" ] &&
    (exec 3<>"/dev/tcp/${WEBHOOK_ADDR%:*}/${WEBHOOK_ADDR##*:}") 2>/dev/null
}

# may_use NAMESPACE SERVICEACCOUNT RESOURCE NAME: prints true or false, the API server's answer to
# the SubjectAccessReview the webhook asks (inject/use_check.hpp).
may_use() {
  printf '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"system:serviceaccount:%s:%s","groups":["system:serviceaccounts","system:serviceaccounts:%s","system:authenticated"],"resourceAttributes":{"namespace":"%s","verb":"use","group":"dragops.io","resource":"%s","name":"%s"}}}' \
    "$1" "$2" "$1" "$1" "$3" "$4" | kubectl create -f - -o jsonpath='{.status.allowed}' 2>/dev/null
}

may_use_is() { local want=$1; shift; [ "$(may_use "$@")" = "$want" ]; }

# grant_use NAMESPACE SERVICEACCOUNT KIND NAME...: lets the ServiceAccount's pods use each named
# Connection (KIND connection) or Secret (KIND secret), as a user does (docs/sharing.md): with
# `kubectl dragops share`, which writes the Role with the verb use and its RoleBinding; returns
# once the API server's authorizer says so. The webhook denies an injected pod whose
# ServiceAccount may not use a name it asks for. revoke_use takes the grant back the same way.
grant_use() { use_grants share true "$@"; }
revoke_use() { use_grants unshare false "$@"; }
use_grants() {
  local verb=$1 want=$2 ns=$3 sa=$4 kind=$5 name
  shift 5
  : "${DRAGOPSCTL_BINARY:?DRAGOPSCTL_BINARY must point at dragopsctl (beside it: kubectl-dragops)}"
  for name in "$@"; do
    "$(dirname "$DRAGOPSCTL_BINARY")/kubectl-dragops" "$verb" "$kind" "$name" --serviceaccount "$sa" -n "$ns" >/dev/null ||
      return 1
    wait_until 10 may_use_is "$want" "$ns" "$sa" "${kind}s" "$name" || return 1
  done
}
