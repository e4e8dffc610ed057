{{/*
The objects of one service, shared by the four services' folders:
  {{ include "marketplace.service" (dict "root" $ "app" "orders") }}
renders its ServiceAccount, settings ConfigMap, Deployment, Service, PodDisruptionBudget,
HorizontalPodAutoscaler and NetworkPolicy (the last three when enabled).
*/}}
{{- define "marketplace.service" -}}
{{- $svc := index .root.Values.services .app -}}
{{- if $svc.enabled -}}
{{- $ctx := dict "root" .root "app" .app "svc" $svc "name" (include "marketplace.partname" (dict "root" .root "part" .app)) -}}
{{ include "marketplace.serviceAccount" $ctx }}
---
{{ include "marketplace.settingsConfigMap" $ctx }}
---
{{ include "marketplace.deployment" $ctx }}
---
{{ include "marketplace.k8sService" $ctx }}
{{- if $svc.podDisruptionBudget.enabled }}
---
{{ include "marketplace.pdb" $ctx }}
{{- end }}
{{- if $svc.autoscaling.enabled }}
---
{{ include "marketplace.hpa" $ctx }}
{{- end }}
{{- if .root.Values.networkPolicy.enabled }}
---
{{ include "marketplace.serviceNetworkPolicy" $ctx }}
{{- end }}
{{- end -}}
{{- end -}}

{{- define "marketplace.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  labels:
    {{- include "marketplace.labels" (dict "root" .root "part" .app) | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{- define "marketplace.settingsConfigMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .name }}-settings
  labels:
    {{- include "marketplace.labels" (dict "root" .root "part" .app) | nindent 4 }}
data:
  {{- include "marketplace.settingsData" (dict "service" .svc) | nindent 2 }}
{{- end -}}

{{- define "marketplace.deployment" -}}
{{- $root := .root -}}
{{- $v := .root.Values -}}
{{- $p := $v.platform -}}
{{- $identitySecret := include "marketplace.identitySecretName" $root -}}
{{- $redisSecret := include "marketplace.redisSecretName" $root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "marketplace.labels" (dict "root" $root "part" .app) | nindent 4 }}
spec:
  {{- if not .svc.autoscaling.enabled }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "marketplace.selectorLabels" (dict "root" $root "part" .app) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "marketplace.labels" (dict "root" $root "part" .app) | nindent 8 }}
      annotations:
        checksum/settings: {{ include "marketplace.settingsData" (dict "service" .svc) | sha256sum }}
        {{- if $v.dapr.enabled }}
        dapr.io/enabled: "true"
        dapr.io/app-id: {{ .app | quote }}
        dapr.io/app-port: {{ $p.httpPort | quote }}
        dapr.io/app-protocol: "http"
        dapr.io/config: {{ include "marketplace.fullname" $root | quote }}
        dapr.io/log-level: {{ $v.dapr.logLevel | quote }}
        dapr.io/enable-metrics: {{ $v.dapr.enableMetrics | quote }}
        dapr.io/metrics-port: {{ $v.dapr.metricsPort | quote }}
        dapr.io/graceful-shutdown-seconds: {{ $p.shutdownTimeoutSeconds | quote }}
        dapr.io/block-shutdown-duration: {{ printf "%ds" (int $p.shutdownTimeoutSeconds) | quote }}
        dapr.io/sidecar-cpu-request: {{ $v.dapr.sidecar.resources.requests.cpu | quote }}
        dapr.io/sidecar-memory-request: {{ $v.dapr.sidecar.resources.requests.memory | quote }}
        dapr.io/sidecar-cpu-limit: {{ $v.dapr.sidecar.resources.limits.cpu | quote }}
        dapr.io/sidecar-memory-limit: {{ $v.dapr.sidecar.resources.limits.memory | quote }}
        {{- end }}
        {{- with .svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ .name }}
      automountServiceAccountToken: false
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $p.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ add $p.shutdownTimeoutSeconds $p.preStopSleepSeconds 10 }}
      {{- if $p.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
        - maxSkew: {{ $p.topologySpread.maxSkew }}
          topologyKey: {{ $key }}
          whenUnsatisfiable: {{ $p.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "marketplace.selectorLabels" (dict "root" $root "part" $.app) | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with $p.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $p.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $p.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .app }}
          image: {{ include "marketplace.image" (dict "root" $root "service" .svc) | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          ports:
            - name: grpc
              containerPort: {{ $p.grpcPort }}
              protocol: TCP
            - name: http
              containerPort: {{ $p.httpPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ .name }}-settings
          env:
            - name: Platform__AppId
              value: {{ .app | quote }}
            - name: Platform__BindAddress
              value: "0.0.0.0"
            - name: Platform__GrpcPort
              value: {{ $p.grpcPort | quote }}
            - name: Platform__HttpPort
              value: {{ $p.httpPort | quote }}
            - name: Platform__ShutdownTimeoutSeconds
              value: {{ $p.shutdownTimeoutSeconds | quote }}
            # Always the machine's clock: the simulated one is for local runs and tests (docs/clock.md);
            # checks.yaml refuses an env that would change it.
            - name: Platform__Clock
              value: "System"
            {{- if $redisSecret }}
            - name: REDIS_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $redisSecret }}
                  key: {{ include "marketplace.redisSecretKey" $root }}
            {{- end }}
            - name: Platform__Redis
              value: {{ printf "%s%s%s,abortConnect=false" (include "marketplace.redisAddress" $root) (ternary ",password=$(REDIS_PASSWORD)" "" (ne $redisSecret "")) (ternary ",ssl=true" "" (eq (include "marketplace.redisTls" $root) "true")) | quote }}
            - name: EventBus__Transport
              value: {{ ternary "Dapr" "Redis" $v.dapr.enabled | quote }}
            - name: EventBus__PubSubName
              value: {{ $v.eventBus.pubSubName | quote }}
            - name: EventBus__MaxLenApprox
              value: {{ $v.eventBus.maxLenApprox | int64 | quote }}
            - name: EventBus__ProcessingTimeoutMs
              value: {{ $v.eventBus.processingTimeoutMs | int64 | quote }}
            - name: EventBus__RedeliverIntervalMs
              value: {{ $v.eventBus.redeliverIntervalMs | int64 | quote }}
            - name: EventBus__MaxAttempts
              value: {{ $v.eventBus.maxAttempts | int64 | quote }}
            - name: EventBus__QueueDepth
              value: {{ $v.eventBus.queueDepth | int64 | quote }}
            - name: EventBus__Workers
              value: {{ $v.eventBus.concurrency | int64 | quote }}
            {{- if $identitySecret }}
            {{- if $v.identity.mountAsFile }}
            - name: Identity__SigningKeyFile
              value: /var/run/secrets/marketplace/identity/{{ include "marketplace.identitySecretKey" $root }}
            {{- else }}
            - name: Identity__SigningKey
              valueFrom:
                secretKeyRef:
                  name: {{ $identitySecret }}
                  key: {{ include "marketplace.identitySecretKey" $root }}
            {{- end }}
            {{- end }}
            {{- with $v.identity.authority }}
            - name: Identity__Authority
              value: {{ . | quote }}
            {{- end }}
            - name: Identity__Issuer
              value: {{ $v.identity.issuer | quote }}
            - name: Identity__Audience
              value: {{ $v.identity.audience | quote }}
            - name: OTEL_SERVICE_NAME
              value: {{ .app | quote }}
            {{- with $v.telemetry.otlpEndpoint }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ . | quote }}
            - name: OTEL_TRACES_SAMPLER
              value: parentbased_traceidratio
            - name: OTEL_TRACES_SAMPLER_ARG
              value: {{ $v.telemetry.samplingRate | quote }}
            {{- end }}
            - name: Logging__LogLevel__Default
              value: {{ $p.logLevel | quote }}
            {{- range $key, $value := .svc.env }}
            - name: {{ $key }}
              value: {{ $value | toString | quote }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $p.probes.startup.periodSeconds }}
            failureThreshold: {{ $p.probes.startup.failureThreshold }}
            timeoutSeconds: {{ $p.probes.startup.timeoutSeconds }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $p.probes.liveness.periodSeconds }}
            failureThreshold: {{ $p.probes.liveness.failureThreshold }}
            timeoutSeconds: {{ $p.probes.liveness.timeoutSeconds }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: {{ $p.probes.readiness.periodSeconds }}
            failureThreshold: {{ $p.probes.readiness.failureThreshold }}
            timeoutSeconds: {{ $p.probes.readiness.timeoutSeconds }}
          {{- if gt (int $p.preStopSleepSeconds) 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $p.preStopSleepSeconds }}
          {{- end }}
          resources:
            {{- toYaml .svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $p.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if and $identitySecret $v.identity.mountAsFile }}
            - name: identity
              mountPath: /var/run/secrets/marketplace/identity
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $p.tmpSizeLimit }}
        {{- if and $identitySecret $v.identity.mountAsFile }}
        - name: identity
          secret:
            secretName: {{ $identitySecret }}
            items:
              - key: {{ include "marketplace.identitySecretKey" $root }}
                path: {{ include "marketplace.identitySecretKey" $root }}
        {{- end }}
{{- end -}}

{{- define "marketplace.k8sService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    {{- include "marketplace.labels" (dict "root" .root "part" .app) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "marketplace.selectorLabels" (dict "root" .root "part" .app) | nindent 4 }}
  ports:
    - name: grpc
      port: {{ .root.Values.platform.grpcPort }}
      targetPort: grpc
      protocol: TCP
      appProtocol: kubernetes.io/h2c
    - name: http
      port: {{ .root.Values.platform.httpPort }}
      targetPort: http
      protocol: TCP
      appProtocol: http
{{- end -}}

{{- define "marketplace.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  labels:
    {{- include "marketplace.labels" (dict "root" .root "part" .app) | nindent 4 }}
spec:
  {{- if hasKey .svc.podDisruptionBudget "minAvailable" }}
  minAvailable: {{ .svc.podDisruptionBudget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .svc.podDisruptionBudget.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "marketplace.selectorLabels" (dict "root" .root "part" .app) | nindent 6 }}
{{- end -}}

{{- define "marketplace.hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .name }}
  labels:
    {{- include "marketplace.labels" (dict "root" .root "part" .app) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .name }}
  minReplicas: {{ .svc.autoscaling.minReplicas }}
  maxReplicas: {{ .svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .svc.autoscaling.targetCPUUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end -}}

{{- define "marketplace.serviceNetworkPolicy" -}}
{{- $v := .root.Values -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .name }}
  labels:
    {{- include "marketplace.labels" (dict "root" .root "part" .app) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "marketplace.selectorLabels" (dict "root" .root "part" .app) | nindent 6 }}
  policyTypes:
    - Ingress
  # The Dapr sidecar reaches the app inside the pod (localhost), which no NetworkPolicy filters;
  # kubelet probes come from the node. From other pods, only the gRPC port, only from gRPC callers.
  ingress:
    - from:
        {{- toYaml $v.networkPolicy.grpcClients | nindent 8 }}
      ports:
        - port: grpc
          protocol: TCP
    {{- if and $v.dapr.enabled $v.networkPolicy.metricsScrapers }}
    - from:
        {{- toYaml $v.networkPolicy.metricsScrapers | nindent 8 }}
      ports:
        - port: {{ $v.dapr.metricsPort }}
          protocol: TCP
    {{- end }}
{{- end -}}
