{{/*
Names, labels and shared snippets. The conventions follow the bitnami charts:
<fullname>-<component> for every object, app.kubernetes.io/* labels, and selectors
that only use name, instance and component (they are immutable).
*/}}

{{/* The seven targets, in start-up order of their dependencies. */}}
{{- define "chirp.targets" -}}
user graph tweet timeline fanout discovery search notification gateway
{{- end -}}

{{- define "chirp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chirp.fullname" -}}
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

{{- define "chirp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <fullname>-<component>; call with (dict "root" $ "component" "user"). */}}
{{- define "chirp.componentName" -}}
{{- printf "%s-%s" (include "chirp.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: immutable, so no version or chart here. */}}
{{- define "chirp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chirp.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Every object's labels; (dict "root" $ "component" "user"). */}}
{{- define "chirp.labels" -}}
helm.sh/chart: {{ include "chirp.chart" .root }}
{{ include "chirp.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: chirp
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "chirp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "chirp.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "chirp.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{- define "chirp.jwtSecretName" -}}
{{- default (printf "%s-jwt" (include "chirp.fullname" .)) .Values.jwt.existingSecret -}}
{{- end -}}

{{/* True when the chart itself renders the JWT Secret. */}}
{{- define "chirp.jwtSecretCreate" -}}
{{- if and (not .Values.jwt.existingSecret) .Values.jwt.publicKey -}}true{{- end -}}
{{- end -}}

{{- define "chirp.cassandraSecretName" -}}
{{- default (printf "%s-cassandra" (include "chirp.fullname" .)) .Values.cassandra.auth.existingSecret -}}
{{- end -}}

{{/* True when Cassandra credentials are passed to the pods. */}}
{{- define "chirp.cassandraAuth" -}}
{{- if or .Values.cassandra.auth.existingSecret .Values.cassandra.auth.username -}}true{{- end -}}
{{- end -}}

{{/* Backend addresses: the in-release dev servers when enabled, else the values. */}}
{{- define "chirp.cassandraContactPoints" -}}
{{- if .Values.cassandra.dev.enabled -}}
{{- printf "%s:9042" (include "chirp.componentName" (dict "root" . "component" "cassandra")) -}}
{{- else -}}
{{- join "," .Values.cassandra.contactPoints -}}
{{- end -}}
{{- end -}}

{{- define "chirp.cassandraReplication" -}}
{{- if .Values.cassandra.dev.enabled -}}SimpleStrategy:1{{- else -}}{{ .Values.cassandra.replication }}{{- end -}}
{{- end -}}

{{- define "chirp.natsUrl" -}}
{{- if .Values.nats.dev.enabled -}}
{{- printf "nats://%s:4222" (include "chirp.componentName" (dict "root" . "component" "nats")) -}}
{{- else -}}
{{- .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{- define "chirp.redisUrl" -}}
{{- if .Values.redis.dev.enabled -}}
{{- printf "redis://%s:6379" (include "chirp.componentName" (dict "root" . "component" "redis")) -}}
{{- else -}}
{{- .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/*
The Cassandra part of the environment, shared by the ConfigMap and the migration
Job (a pre-install hook runs before the ConfigMap exists, so it carries its own copy).
*/}}
{{- define "chirp.cassandraEnv" -}}
CHIRP_CASSANDRA_CONTACT_POINTS: {{ include "chirp.cassandraContactPoints" . | quote }}
CHIRP_CASSANDRA_LOCAL_DC: {{ .Values.cassandra.localDc | quote }}
CHIRP_CASSANDRA_KEYSPACE: {{ .Values.cassandra.keyspace | quote }}
CHIRP_CASSANDRA_REPLICATION: {{ include "chirp.cassandraReplication" . | quote }}
CHIRP_CASSANDRA_CONSISTENCY: {{ .Values.cassandra.consistency | quote }}
{{- end -}}

{{/* The ConfigMap's data: every non-secret setting of services/runtime/config.ts. */}}
{{- define "chirp.configData" -}}
{{- $v := .Values -}}
CHIRP_MODE: "cluster"
CHIRP_HOST: "0.0.0.0"
CHIRP_LOG_LEVEL: {{ $v.config.logLevel | quote }}
CHIRP_SHUTDOWN_GRACE_MS: {{ $v.config.shutdownGraceMs | quote }}
CHIRP_MAX_ENTRY_CALLS: {{ $v.config.maxEntryCalls | int64 | quote }}
CHIRP_MIGRATE_ON_START: {{ $v.config.migrateOnStart | quote }}
CHIRP_GATEWAY_PORT: {{ $v.gateway.port | quote }}
CHIRP_USER_PORT: {{ $v.user.port | quote }}
CHIRP_GRAPH_PORT: {{ $v.graph.port | quote }}
CHIRP_TWEET_PORT: {{ $v.tweet.port | quote }}
CHIRP_TIMELINE_PORT: {{ $v.timeline.port | quote }}
CHIRP_FANOUT_PORT: {{ $v.fanout.port | quote }}
CHIRP_DISCOVERY_PORT: {{ $v.discovery.port | quote }}
CHIRP_SEARCH_PORT: {{ $v.search.port | quote }}
CHIRP_NOTIFICATION_PORT: {{ $v.notification.port | quote }}
{{- range $t := list "user" "graph" "tweet" "timeline" "discovery" "search" "notification" }}
CHIRP_{{ upper $t }}_ADDR: {{ printf "http://%s:%v" (include "chirp.componentName" (dict "root" $ "component" $t)) (index $v $t).service.port | quote }}
{{- end }}
CHIRP_JWT_ISSUER: {{ $v.config.jwt.issuer | quote }}
CHIRP_JWT_AUDIENCE: {{ $v.config.jwt.audience | quote }}
CHIRP_ACCESS_TOKEN_TTL_SECONDS: {{ $v.config.jwt.accessTokenTtlSeconds | quote }}
CHIRP_REFRESH_TOKEN_TTL_SECONDS: {{ $v.config.jwt.refreshTokenTtlSeconds | int64 | quote }}
CHIRP_NATS_URL: {{ include "chirp.natsUrl" . | quote }}
CHIRP_NATS_PREFIX: {{ $v.nats.prefix | quote }}
CHIRP_REDIS_URL: {{ include "chirp.redisUrl" . | quote }}
{{- if and $v.redis.clusterNodes (not $v.redis.dev.enabled) }}
CHIRP_REDIS_CLUSTER_NODES: {{ join "," $v.redis.clusterNodes | quote }}
{{- end }}
CHIRP_REDIS_PREFIX: {{ $v.redis.prefix | quote }}
{{- if $v.tracing.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ $v.tracing.otlpEndpoint | quote }}
{{- end }}
OTEL_TRACES_SAMPLER: {{ $v.tracing.sampler | quote }}
OTEL_TRACES_SAMPLER_ARG: {{ $v.tracing.samplerArg | quote }}
{{ include "chirp.cassandraEnv" . }}
{{- end -}}

{{/* Cassandra credentials as env entries; (dict "root" $ "secretName" name). */}}
{{- define "chirp.cassandraAuthEnv" -}}
{{- $auth := .root.Values.cassandra.auth -}}
{{- if include "chirp.cassandraAuth" .root }}
- name: CHIRP_CASSANDRA_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $auth.usernameKey }}
- name: CHIRP_CASSANDRA_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ $auth.passwordKey }}
{{- end }}
{{- end -}}

{{/* How many pods a target can have at most (its worker-id block size). */}}
{{- define "chirp.maxPods" -}}
{{- $c := .c -}}
{{- if eq $c.workload "Deployment" -}}1
{{- else if $c.autoscaling.enabled -}}{{ max $c.replicaCount $c.autoscaling.maxReplicas }}
{{- else -}}{{ $c.replicaCount }}
{{- end -}}
{{- end -}}

{{/*
Refuses values that would hand one Snowflake worker id to two processes: blocks
[workerIdBase, workerIdBase + maxPods) must stay within 0–1023 and not overlap.
*/}}
{{- define "chirp.validateWorkerIds" -}}
{{- $blocks := list -}}
{{- range $t := splitList " " (include "chirp.targets" .) -}}
{{- $c := index $.Values $t -}}
{{- $size := include "chirp.maxPods" (dict "c" $c) | int -}}
{{- $start := $c.workerIdBase | int -}}
{{- $end := add $start $size | int -}}
{{- if gt $end 1024 -}}
{{- fail (printf "%s: worker ids %d–%d pass 1023 (workerIdBase %d + up to %d pods)" $t $start (sub $end 1) $start $size) -}}
{{- end -}}
{{- range $b := $blocks -}}
{{- if and (lt $start (index $b 2)) (lt (index $b 1) $end) -}}
{{- fail (printf "worker-id blocks overlap: %s has %d–%d, %s has %d–%d; change workerIdBase" $t $start (sub $end 1) (index $b 0) (index $b 1) (sub (index $b 2) 1)) -}}
{{- end -}}
{{- end -}}
{{- $blocks = append $blocks (list $t $start $end) -}}
{{- end -}}
{{- end -}}

{{/* A native probe: (dict "p" <probe values> "type" grpc|http "port" N "path" "/readyz"). */}}
{{- define "chirp.probe" -}}
{{- if eq .type "http" }}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- else }}
grpc:
  port: {{ .port }}
  {{- if .p.service }}
  service: {{ .p.service | quote }}
  {{- end }}
{{- end }}
initialDelaySeconds: {{ .p.initialDelaySeconds }}
periodSeconds: {{ .p.periodSeconds }}
timeoutSeconds: {{ .p.timeoutSeconds }}
failureThreshold: {{ .p.failureThreshold }}
successThreshold: {{ get .p "successThreshold" | default 1 }}
{{- end -}}

{{/* sha256 of the rendered config and secrets: a change rolls the pods. */}}
{{- define "chirp.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ printf "%s%s" (include (print .Template.BasePath "/secret-jwt.yaml") .) (include (print .Template.BasePath "/secret-cassandra.yaml") .) | sha256sum }}
{{- end -}}

{{/* The restricted container security context for the dev backends, with their UID. */}}
{{- define "chirp.backendSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .readOnly }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
An init container that waits until backends accept TCP connections. WAIT_FOR is a
";"-separated list of groups of ","-separated host:port alternatives; it is done
when one address of every group answers. (dict "root" $ "waitFor" "a:1,b:1;c:2"
"timeout" 600 "resources" {...}).
*/}}
{{- define "chirp.waitContainer" -}}
- name: wait-for-backends
  image: {{ include "chirp.image" .root }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  command:
    - node
    - -e
    - |
      const net = require("node:net");
      const groups = process.env.WAIT_FOR.split(";").map((g) => g.split(",").map((s) => s.trim()).filter(Boolean)).filter((g) => g.length);
      const deadline = Date.now() + Number(process.env.WAIT_TIMEOUT_SECONDS) * 1000;
      const probe = (p) => new Promise((resolve) => {
        const i = p.lastIndexOf(":");
        const s = net.connect({ host: p.slice(0, i), port: Number(p.slice(i + 1)) });
        const done = (ok) => { s.destroy(); resolve(ok); };
        s.setTimeout(3000, () => done(false));
        s.once("connect", () => done(true));
        s.once("error", () => done(false));
      });
      (async () => {
        let pending = groups;
        for (;;) {
          const left = [];
          for (const g of pending) {
            let hit;
            for (const p of g) if (await probe(p)) { hit = p; break; }
            if (hit) console.log(`${hit} answers`); else left.push(g);
          }
          pending = left;
          if (!pending.length) return;
          const names = pending.map((g) => g.join(" or ")).join(", ");
          if (Date.now() > deadline) { console.error(`no answer from ${names}`); process.exit(1); }
          console.log(`waiting for ${names}`);
          await new Promise((r) => setTimeout(r, 3000));
        }
      })();
  env:
    - name: WAIT_FOR
      value: {{ .waitFor | quote }}
    - name: WAIT_TIMEOUT_SECONDS
      value: {{ .timeout | quote }}
  resources:
    requests: { cpu: 10m, memory: 32Mi }
    limits: { cpu: 200m, memory: 128Mi }
  securityContext:
    {{- toYaml .root.Values.containerSecurityContext | nindent 4 }}
{{- end -}}

{{/* host:port of a URL, with the scheme's default port. */}}
{{- define "chirp.hostPort" -}}
{{- $u := urlParse .url -}}
{{- if regexMatch ":[0-9]+$" $u.host -}}{{ $u.host }}{{- else -}}{{ printf "%s:%v" $u.host .port }}{{- end -}}
{{- end -}}

{{/* Cassandra contact points with the default port 9042, comma-separated. */}}
{{- define "chirp.cassandraWaitGroup" -}}
{{- $out := list -}}
{{- range $p := splitList "," (include "chirp.cassandraContactPoints" .) -}}
{{- $out = append $out (ternary $p (printf "%s:9042" $p) (regexMatch ":[0-9]+$" $p)) -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{/* Every backend a Chirp process connects to at start-up: Cassandra; NATS; Redis. */}}
{{- define "chirp.backendsWaitFor" -}}
{{- $redis := "" -}}
{{- if and .Values.redis.clusterNodes (not .Values.redis.dev.enabled) -}}
{{- $redis = join "," .Values.redis.clusterNodes -}}
{{- else -}}
{{- $redis = include "chirp.hostPort" (dict "url" (include "chirp.redisUrl" .) "port" 6379) -}}
{{- end -}}
{{- printf "%s;%s;%s" (include "chirp.cassandraWaitGroup" .) (include "chirp.hostPort" (dict "url" (include "chirp.natsUrl" .) "port" 4222)) $redis -}}
{{- end -}}
