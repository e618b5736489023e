{{/* Names and labels. */}}
{{- define "bcdr.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bcdr.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bcdr.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "bcdr.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bcdr
{{- end -}}

{{/* Selector labels of one component (server, worker): call with (list . "worker"). */}}
{{- define "bcdr.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "bcdr.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "bcdr.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bcdr.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "bcdr.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The environment every bcdr container gets: bcdr's configuration keys as BCDR_*. */}}
{{- define "bcdr.env" -}}
- name: BCDR_TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: BCDR_TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: BCDR_TEMPORAL_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: BCDR_TEMPORAL_TLS_ENABLED
  value: "true"
{{- if .mtls }}
- name: BCDR_TEMPORAL_TLS_CERT_FILE
  value: /etc/bcdr/tls/tls.crt
- name: BCDR_TEMPORAL_TLS_KEY_FILE
  value: /etc/bcdr/tls/tls.key
{{- end }}
{{- if .ca }}
- name: BCDR_TEMPORAL_TLS_CA_FILE
  value: /etc/bcdr/tls/ca.crt
{{- end }}
{{- with .serverName }}
- name: BCDR_TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.temporal.apiKey }}
{{- if .secretName }}
- name: BCDR_TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- end }}
{{- with .Values.aws.region }}
- name: BCDR_AWS_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.aws.assumeRoleArn }}
- name: BCDR_AWS_ROLE_ARN
  value: {{ . | quote }}
{{- end }}
- name: BCDR_LOG_LEVEL
  value: {{ .Values.log.level | quote }}
- name: BCDR_LOG_FORMAT
  value: {{ .Values.log.format | quote }}
{{- with .Values.tracing }}
{{- if .endpoint }}
- name: BCDR_TRACING_ENDPOINT
  value: {{ .endpoint | quote }}
- name: BCDR_TRACING_INSECURE
  value: {{ .insecure | quote }}
- name: BCDR_TRACING_SAMPLE_RATIO
  value: {{ .sampleRatio | quote }}
{{- end }}
{{- end }}
- name: BCDR_DATA_DIR
  value: /var/lib/bcdr
{{- if .Values.config }}
- name: BCDR_CONFIG
  value: /etc/bcdr/bcdr.yaml
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volumes every bcdr pod mounts: a writable data folder and /tmp (the root file
system is read-only), the configuration file, the TLS client certificate. */}}
{{- define "bcdr.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if .Values.config }}
- name: config
  secret:
    secretName: {{ include "bcdr.fullname" . }}-config
{{- end }}
{{- if and .Values.temporal.tls.enabled .Values.temporal.tls.secretName }}
- name: tls
  secret:
    secretName: {{ .Values.temporal.tls.secretName }}
{{- end }}
{{- end -}}

{{- define "bcdr.volumeMounts" -}}
- name: data
  mountPath: /var/lib/bcdr
- name: tmp
  mountPath: /tmp
{{- if .Values.config }}
- name: config
  mountPath: /etc/bcdr/bcdr.yaml
  subPath: bcdr.yaml
  readOnly: true
{{- end }}
{{- if and .Values.temporal.tls.enabled .Values.temporal.tls.secretName }}
- name: tls
  mountPath: /etc/bcdr/tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* Pod scheduling of one component: call with (list . "worker" .Values.worker). */}}
{{- define "bcdr.scheduling" -}}
{{- $ := index . 0 -}}
{{- $component := index . 1 -}}
{{- $v := index . 2 -}}
{{- with $v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: {{ $.Values.topologySpread.topologyKey }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "bcdr.selectorLabels" (list $ $component) | nindent 8 }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "bcdr.selectorLabels" (list $ $component) | nindent 8 }}
{{- end }}
{{- end -}}

{{- define "bcdr.probes" -}}
{{- $ := index . 0 -}}
{{- $port := index . 1 -}}
livenessProbe:
  httpGet: {path: /healthz, port: {{ $port }}}
  {{- toYaml $.Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet: {path: /readyz, port: {{ $port }}}
  {{- toYaml $.Values.probes.readiness | nindent 2 }}
{{- end -}}
