# Monitoring: the chart's alert rules checked and unit-tested with promtool (from
# Debian's prometheus package into .tools/promtool, no root needed). Included by the
# Makefile; part of `make test`.

.PHONY: promtool rules-check

promtool: ## Install promtool into .tools/promtool (apt-get download + dpkg-deb -x)
	@scripts/monitoring/promtool.sh >/dev/null

rules-check: ## Render the chart's PrometheusRule; promtool check rules + test rules (k8s/monitoring/alerts.test.yaml)
	scripts/monitoring/check-rules.sh
