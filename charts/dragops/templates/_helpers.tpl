{{/*
Names are fixed, not derived from the release name: the operator's flag defaults use the same
names, and the CRDs and the webhook configuration are cluster-wide, so the chart is installed
once per cluster.
*/}}
{{- define "dragops.operatorName" -}}dragops-operator{{- end }}
{{- define "dragops.webhookServiceName" -}}dragops-webhook{{- end }}
{{- define "dragops.metricsServiceName" -}}dragops-metrics{{- end }}
{{- define "dragops.webhookConfigName" -}}dragops-sidecar-injector{{- end }}
{{- /* The Connection/Secret admission: a Mutating- and a ValidatingWebhookConfiguration of this name. */}}
{{- define "dragops.resourceWebhookConfigName" -}}dragops-resources{{- end }}
{{- define "dragops.webhookCertSecret" -}}dragops-webhook-cert{{- end }}
{{- define "dragops.webhookCertDir" -}}/etc/dragops/webhook-certs{{- end }}
{{- define "dragops.issuerName" -}}dragops-selfsigned{{- end }}

{{- define "dragops.labels" -}}
app.kubernetes.io/name: dragops
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: dragops-connections
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "dragops.selectorLabels" -}}
app.kubernetes.io/name: dragops
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "dragops.operatorImage" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "dragops.sidecarImage" -}}
{{- printf "%s:%s" .Values.sidecar.image.repository (default .Chart.AppVersion .Values.sidecar.image.tag) }}
{{- end }}

{{/* operator (default) or external (cert-manager writes the Secret, mounted into the pods). */}}
{{- define "dragops.webhookCertMode" -}}
{{- if .Values.webhook.certManager.enabled }}external{{ else }}operator{{ end }}
{{- end }}

{{/*
The scope of the operator's namespaced rules: "cluster" (a ClusterRole: every namespace) or
"namespaces" (a Role in each of watchNamespaces). rbac.scope "auto" picks "namespaces" when
watchNamespaces lists any; contradictory values fail the rendering.
*/}}
{{- define "dragops.rbacScope" -}}
{{- $scope := .Values.rbac.scope -}}
{{- if and (eq $scope "namespaces") (not .Values.watchNamespaces) -}}
{{- fail "rbac.scope=namespaces needs watchNamespaces: list the namespaces the operator may act in (it gets a Role in each and none cluster-wide)" -}}
{{- end -}}
{{- if and (eq $scope "cluster") .Values.watchNamespaces -}}
{{- fail (printf "rbac.scope=cluster grants Secrets, Roles and Pods in every namespace, but watchNamespaces limits the operator to %s: set rbac.scope=namespaces (or auto), or empty watchNamespaces" (join "," .Values.watchNamespaces)) -}}
{{- end -}}
{{- if .Values.watchNamespaces }}namespaces{{ else }}cluster{{ end -}}
{{- end }}

{{/* Rules for the namespaced resources the operator reconciles; used by the ClusterRole (all
namespaces) or by one Role per watched namespace. */}}
{{- define "dragops.namespacedRules" -}}
# Connections and dragops Secrets: reconcile, report status, hold the finalizer.
- apiGroups: [dragops.io]
  resources: [connections, secrets]
  verbs: [get, list, watch, update, patch]
- apiGroups: [dragops.io]
  resources: [connections/status, secrets/status]
  verbs: [get, update, patch]
- apiGroups: [dragops.io]
  resources: [connections/finalizers, secrets/finalizers]
  verbs: [update]
# Core Secrets: read the referenced credentials, write the sealed store objects
# (dragops-conn-*, dragops-secret-*) and the projected data keys (dragops-data-keys).
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
# Pods the webhook injected (label dragops.io/injected=true): the operator reconciles each
# ServiceAccount's sidecar Role from the ones that exist.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# The Role and RoleBinding dragops-sidecar-<serviceAccount> that can read only the store objects
# of that ServiceAccount's injected pods: created, widened, narrowed and deleted with the pods.
# Creating them needs no `escalate` or `bind`: the rules granted are a subset of the Secret and
# Lease rules here, which the API server checks in the same namespace.
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, create, update, patch, delete]
# OAuth refresh: one Lease per connection (dragops-refresh-<name>) in the connection's namespace,
# taken by the operator, the only refresher, between its replicas. Sidecars get no Lease rights.
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
{{- end }}

{{/* The dashboard (templates/dashboard.yaml). */}}
{{- define "dragops.dashboardName" -}}dragops-dashboard{{- end }}

{{- define "dragops.dashboardSelectorLabels" -}}
app.kubernetes.io/name: dragops
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: dashboard
{{- end }}

{{- define "dragops.dashboardImage" -}}
{{- printf "%s:%s" .Values.dashboard.image.repository (default .Chart.AppVersion .Values.dashboard.image.tag) }}
{{- end }}

{{/* The operator's --oauth-external-url: the dashboard's public URL when the dashboard takes the
providers' redirects (dashboard.oauthCallback), else oauth.externalURL. */}}
{{- define "dragops.oauthExternalURL" -}}
{{- if and .Values.dashboard.enabled .Values.dashboard.oauthCallback -}}
{{- if not .Values.dashboard.externalURL }}{{ fail "dashboard.oauthCallback needs dashboard.externalURL (the dashboard's public https URL)" }}{{ end -}}
{{- if .Values.oauth.externalURL }}{{ fail "set oauth.externalURL or dashboard.oauthCallback, not both: the providers' redirects go to one place" }}{{ end -}}
{{- .Values.dashboard.externalURL -}}
{{- else -}}
{{- .Values.oauth.externalURL -}}
{{- end -}}
{{- end }}
