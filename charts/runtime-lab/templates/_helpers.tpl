{{/* The chart name, or nameOverride. */}}
{{- define "runtime-lab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: fullnameOverride, else the release name
when it already contains the chart name, else RELEASE-CHART; 52 characters
at most so that suffixes such as -leader-election fit in 63.
*/}}
{{- define "runtime-lab.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "runtime-lab.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "runtime-lab.labels" -}}
helm.sh/chart: {{ include "runtime-lab.chart" . }}
{{ include "runtime-lab.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the operator's pods (the metrics Service, the ServiceMonitor). */}}
{{- define "runtime-lab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "runtime-lab.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: runtimelab-operator
{{- end }}

{{- define "runtime-lab.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "runtime-lab.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "runtime-lab.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The metrics port's name: https when secure, else http. */}}
{{- define "runtime-lab.metricsPortName" -}}
{{- if .Values.metrics.secure }}https{{ else }}http{{ end }}
{{- end }}
