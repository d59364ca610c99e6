# The sidecar injector registered as the chart does (sourced): Service dragops-webhook (443) in
# dragops-system whose Endpoints point at 127.0.0.1:PORT, and the MutatingWebhookConfiguration
# dragops-sidecar-injector for pod creation. The operator started with --webhook-addr
# 127.0.0.1:PORT then patches the caBundle and serves it.

# webhook_register PORT
webhook_register() {
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dragops-system}\n' | kubectl apply -f - >/dev/null || return 1
  cat <<EOF2 | kubectl apply -f - >/dev/null
apiVersion: v1
kind: Service
metadata: {name: dragops-webhook, namespace: dragops-system}
spec:
  ports: [{name: https, port: 443, targetPort: 9443}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: dragops-webhook, namespace: dragops-system}
subsets:
- addresses: [{ip: 127.0.0.1}]
  ports: [{name: https, port: $1}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: dragops-sidecar-injector}
webhooks:
- name: pods.dragops.io
  admissionReviewVersions: [v1]
  sideEffects: NoneOnDryRun
  failurePolicy: Fail
  timeoutSeconds: 10
  clientConfig:
    service: {name: dragops-webhook, namespace: dragops-system, path: /mutate-pods, port: 443}
  rules:
  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
EOF2
}

# webhook_serving PORT: true once the operator patched the caBundle and PORT accepts connections.
webhook_serving() {
  [ -n "$(kubectl get mutatingwebhookconfiguration dragops-sidecar-injector \
    -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)" ] &&
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
