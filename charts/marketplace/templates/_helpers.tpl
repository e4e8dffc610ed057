{{/*
Names, labels, image references and the values every service shares. The per-service objects are
in _service.tpl; each service's folder only names the service.
*/}}

{{- define "marketplace.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "marketplace.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one part: <fullname>-<part>, e.g. (dict "root" $ "part" "orders"). */}}
{{- define "marketplace.partname" -}}
{{- printf "%s-%s" (include "marketplace.fullname" .root) .part | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "marketplace.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one part's pods: (dict "root" $ "part" "orders"). */}}
{{- define "marketplace.selectorLabels" -}}
app.kubernetes.io/name: {{ include "marketplace.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
{{- end -}}

{{/* Every label of one part's objects: (dict "root" $ "part" "orders"). */}}
{{- define "marketplace.labels" -}}
helm.sh/chart: {{ include "marketplace.chart" .root }}
{{ include "marketplace.selectorLabels" . }}
app.kubernetes.io/part-of: marketplace
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* Labels of release-wide objects (Dapr resources, secrets). */}}
{{- define "marketplace.commonLabels" -}}
helm.sh/chart: {{ include "marketplace.chart" . }}
app.kubernetes.io/name: {{ include "marketplace.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: marketplace
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The image of a service: (dict "root" $ "service" $serviceValues). Tag: image.tag, else appVersion. */}}
{{- define "marketplace.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- $repository := .service.image.repository -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The app ids of the enabled services, as a list. */}}
{{- define "marketplace.appIds" -}}
{{- $ids := list -}}
{{- range $app := list "orders" "reviews" "messaging" "scoring" -}}
{{- if (index $.Values.services $app).enabled -}}
{{- $ids = append $ids $app -}}
{{- end -}}
{{- end -}}
{{- toJson $ids -}}
{{- end -}}

{{/* Redis address host:port. */}}
{{- define "marketplace.redisAddress" -}}
{{- if .Values.redis.external.enabled -}}
{{- required "redis.external.host is required when redis.external.enabled is true" .Values.redis.external.host -}}:{{ .Values.redis.external.port }}
{{- else -}}
{{- include "marketplace.partname" (dict "root" . "part" "redis") -}}:6379
{{- end -}}
{{- end -}}

{{/* Secret name and key of the Redis password; empty name: no password. */}}
{{- define "marketplace.redisSecretName" -}}
{{- if .Values.redis.external.enabled -}}
{{- .Values.redis.external.existingSecret -}}
{{- else -}}
{{- default (include "marketplace.partname" (dict "root" . "part" "redis")) .Values.redis.auth.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "marketplace.redisSecretKey" -}}
{{- if .Values.redis.external.enabled -}}
{{- .Values.redis.external.existingSecretKey -}}
{{- else if .Values.redis.auth.existingSecret -}}
{{- .Values.redis.auth.existingSecretKey -}}
{{- else -}}
redis-password
{{- end -}}
{{- end -}}

{{- define "marketplace.redisTls" -}}
{{- if and .Values.redis.external.enabled .Values.redis.external.tls -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* The signing key's Secret and key; empty when identity comes from an OIDC authority only. */}}
{{- define "marketplace.identitySecretName" -}}
{{- if .Values.identity.existingSecret -}}
{{- .Values.identity.existingSecret -}}
{{- else if or .Values.identity.signingKey (not .Values.identity.authority) -}}
{{- include "marketplace.partname" (dict "root" . "part" "identity") -}}
{{- end -}}
{{- end -}}

{{- define "marketplace.identitySecretKey" -}}
{{- if .Values.identity.existingSecret -}}
{{- .Values.identity.existingSecretKey -}}
{{- else -}}
signing-key
{{- end -}}
{{- end -}}

{{/*
A secret value that survives upgrades: the value already in the cluster's Secret if there is one,
else the given value, else a random one. (dict "root" $ "name" secretName "key" key "given" value "length" n)
*/}}
{{- define "marketplace.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if .given -}}
{{- .given | b64enc -}}
{{- else if and $existing (index ($existing.data | default dict) .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}

{{/* Dapr's OTLP endpoint: host:port without the scheme. */}}
{{- define "marketplace.otlpAddress" -}}
{{- .Values.telemetry.otlpEndpoint | trimPrefix "https://" | trimPrefix "http://" | trimSuffix "/" -}}
{{- end -}}

{{/*
Flattens a settings tree into Section__Key environment variables, into the dict "out":
maps by key, lists by index (Scoring__PriceBandEdgesUsd__0), scalars as strings.
(dict "out" $out "prefix" "Orders" "value" $tree)
*/}}
{{- define "marketplace.flatten" -}}
{{- $out := .out -}}
{{- $prefix := .prefix -}}
{{- if kindIs "map" .value -}}
{{- range $key, $child := .value -}}
{{- include "marketplace.flatten" (dict "out" $out "prefix" (printf "%s__%s" $prefix $key) "value" $child) -}}
{{- end -}}
{{- else if kindIs "slice" .value -}}
{{- range $index, $child := .value -}}
{{- include "marketplace.flatten" (dict "out" $out "prefix" (printf "%s__%d" $prefix $index) "value" $child) -}}
{{- end -}}
{{- else if kindIs "float64" .value -}}
{{- if eq (floor .value) .value -}}
{{- $_ := set $out $prefix (printf "%.0f" .value) -}}
{{- else -}}
{{- $_ := set $out $prefix (toString .value) -}}
{{- end -}}
{{- else if not (kindIs "invalid" .value) -}}
{{- $_ := set $out $prefix (toString .value) -}}
{{- end -}}
{{- end -}}

{{/* The settings ConfigMap's data of a service, as YAML: (dict "service" $serviceValues). */}}
{{- define "marketplace.settingsData" -}}
{{- $out := dict -}}
{{- range $section, $tree := .service.settings -}}
{{- include "marketplace.flatten" (dict "out" $out "prefix" $section "value" $tree) -}}
{{- end -}}
{{- if $out -}}
{{- toYaml $out -}}
{{- end -}}
{{- end -}}
