{{/* Release-qualified name, at most 63 characters (a DNS label). */}}
{{- define "iop.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "iop.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "iop.labels" -}}
{{ include "iop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The CloudNativePG cluster's name (database.mode=cnpg). */}}
{{- define "iop.cnpgName" -}}
{{- printf "%s-db" (include "iop.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
