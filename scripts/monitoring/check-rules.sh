#!/usr/bin/env bash
# Renders the chart's PrometheusRule (metrics.prometheusRule.enabled=true) and runs
# promtool on it: `promtool check rules` (syntax, PromQL, templates) and `promtool test
# rules` with the unit tests in k8s/monitoring/alerts.test.yaml, which fire every alert
# on synthetic series. promtool comes from Debian's prometheus package into .tools/
# (scripts/monitoring/promtool.sh), helm from scripts/helm/install.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HELM="${CHIRP_TOOLS_DIR:-$ROOT/.tools}/bin/helm"
[[ -x "$HELM" ]] || "$ROOT/scripts/helm/install.sh"
PROMTOOL="$("$ROOT/scripts/monitoring/promtool.sh")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The PrometheusRule's spec is a Prometheus rule file: its `groups:` dedented.
"$HELM" template chirp "$ROOT/charts/chirp" --namespace chirp --set metrics.prometheusRule.enabled=true \
  --show-only templates/monitoring/prometheusrule.yaml >"$work/prometheusrule.yaml"
awk 'found { sub(/^  /, ""); print } /^spec:$/ { found = 1 }' "$work/prometheusrule.yaml" >"$work/chirp-rules.yaml"
if ! grep -q '^groups:' "$work/chirp-rules.yaml"; then
  echo "scripts/monitoring/check-rules.sh: no rule groups in the rendered PrometheusRule:" >&2
  cat "$work/prometheusrule.yaml" >&2
  exit 1
fi
# The tests name the rendered file as their rule file, next to them.
cp "$ROOT/k8s/monitoring/alerts.test.yaml" "$work/"
"$PROMTOOL" check rules "$work/chirp-rules.yaml"
(cd "$work" && "$PROMTOOL" test rules alerts.test.yaml)
