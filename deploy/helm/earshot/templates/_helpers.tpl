{{/* Chart name, truncated to the 63 characters Kubernetes allows. */}}
{{- define "earshot.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, plus the chart's name unless it already contains it. */}}
{{- define "earshot.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "earshot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "earshot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "earshot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "earshot.labels" -}}
helm.sh/chart: {{ include "earshot.chart" . }}
{{ include "earshot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "earshot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "earshot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "earshot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding the Slack credentials, or "" when there is none. */}}
{{- define "earshot.slackSecret" -}}
{{- if .Values.slack.existingSecret }}
{{- .Values.slack.existingSecret }}
{{- else if .Values.slack.create }}
{{- printf "%s-slack" (include "earshot.fullname" .) }}
{{- end }}
{{- end }}

{{- define "earshot.configMapName" -}}
{{- default (include "earshot.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{/* Refuse values that cannot work, with a message that says why. */}}
{{- define "earshot.validate" -}}
{{- if not (has .Values.mode (list "single" "cluster")) }}
{{- fail (printf "mode must be single or cluster, not %q" .Values.mode) }}
{{- end }}
{{- if and (eq .Values.mode "cluster") (not .Values.nats.url) (not .Values.existingConfigMap) }}
{{- fail "mode: cluster needs nats.url (the NATS cluster's client URLs)" }}
{{- end }}
{{- if and (eq .Values.mode "single") .Values.nats.url }}
{{- fail "nats.url is for mode: cluster; mode: single runs the embedded NATS server" }}
{{- end }}
{{- if and .Values.slack.existingSecret .Values.slack.create }}
{{- fail "set slack.existingSecret or slack.create, not both" }}
{{- end }}
{{- end }}

{{/*
The config file: .Values.config with the settings the chart owns (store
location, HTTP address, NATS connection) set from the other values.
*/}}
{{- define "earshot.config" -}}
{{- $cfg := deepCopy (default dict .Values.config) }}
{{- $_ := set $cfg "data_dir" "/var/lib/earshot" }}
{{- $http := deepCopy (default dict (get $cfg "http")) }}
{{- $_ := set $http "listen" (printf "0.0.0.0:%d" (int .Values.service.port)) }}
{{- $_ := set $cfg "http" $http }}
{{- $nats := dict }}
{{- if eq .Values.mode "cluster" }}
{{- $_ := set $nats "url" .Values.nats.url }}
{{- $_ := set $nats "replicas" (int .Values.nats.replicas) }}
{{- if .Values.nats.credentialsSecret }}
{{- $_ := set $nats "credentials" "/etc/earshot-nats/creds/nats.creds" }}
{{- end }}
{{- if .Values.nats.tlsSecret }}
{{- $_ := set $nats "tls" (dict "ca" "/etc/earshot-nats/tls/ca.crt" "cert" "/etc/earshot-nats/tls/tls.crt" "key" "/etc/earshot-nats/tls/tls.key") }}
{{- end }}
{{- else if .Values.nats.listen }}
{{- $_ := set $nats "listen" .Values.nats.listen }}
{{- end }}
{{- $_ := set $cfg "nats" $nats }}
{{- toYaml $cfg }}
{{- end }}

{{/* The pod template shared by the StatefulSet and the Deployment. */}}
{{- define "earshot.podTemplate" -}}
metadata:
  labels:
    {{- include "earshot.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- $rollOnChange := and .Values.rollOnConfigChange (not .Values.existingConfigMap) }}
  {{- if or $rollOnChange .Values.podAnnotations }}
  annotations:
    {{- if $rollOnChange }}
    checksum/config: {{ include "earshot.config" . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  serviceAccountName: {{ include "earshot.serviceAccountName" . }}
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - name: earshot
      image: {{ include "earshot.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - run
        - --config
        - /etc/earshot/earshot.yaml
        {{- with .Values.roles }}
        - --roles
        - {{ join "," . | quote }}
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      {{- $secret := include "earshot.slackSecret" . }}
      {{- if or $secret .Values.goMemLimit }}
      env:
      {{- end }}
      {{- with .Values.goMemLimit }}
        - name: GOMEMLIMIT
          value: {{ . | quote }}
      {{- end }}
      {{- if $secret }}
        - name: EARSHOT_SLACK_BOT_TOKEN
          valueFrom:
            secretKeyRef: {name: {{ $secret | quote }}, key: {{ .Values.slack.keys.botToken | quote }}, optional: true}
        - name: EARSHOT_SLACK_APP_TOKEN
          valueFrom:
            secretKeyRef: {name: {{ $secret | quote }}, key: {{ .Values.slack.keys.appToken | quote }}, optional: true}
        - name: EARSHOT_SLACK_SIGNING_SECRET
          valueFrom:
            secretKeyRef: {name: {{ $secret | quote }}, key: {{ .Values.slack.keys.signingSecret | quote }}, optional: true}
      {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.service.port }}
          protocol: TCP
      startupProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: {{ .Values.probes.startup.periodSeconds }}
        failureThreshold: {{ .Values.probes.startup.failureThreshold }}
      livenessProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
        timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
        failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
      readinessProbe:
        httpGet: {path: /readyz, port: http}
        periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
        timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
        failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: /etc/earshot
          readOnly: true
        - name: data
          mountPath: /var/lib/earshot
        - name: tmp
          mountPath: /tmp
        {{- if and (eq .Values.mode "cluster") .Values.nats.credentialsSecret }}
        - name: nats-creds
          mountPath: /etc/earshot-nats/creds
          readOnly: true
        {{- end }}
        {{- if and (eq .Values.mode "cluster") .Values.nats.tlsSecret }}
        - name: nats-tls
          mountPath: /etc/earshot-nats/tls
          readOnly: true
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "earshot.configMapName" . }}
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- if eq .Values.mode "cluster" }}
    # No store of its own against an external NATS; a scratch data_dir.
    - name: data
      emptyDir:
        sizeLimit: 256Mi
    {{- end }}
    {{- if and (eq .Values.mode "cluster") .Values.nats.credentialsSecret }}
    - name: nats-creds
      secret:
        secretName: {{ .Values.nats.credentialsSecret }}
        defaultMode: 0440
    {{- end }}
    {{- if and (eq .Values.mode "cluster") .Values.nats.tlsSecret }}
    - name: nats-tls
      secret:
        secretName: {{ .Values.nats.tlsSecret }}
        defaultMode: 0440
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
