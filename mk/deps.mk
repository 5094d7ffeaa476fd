# Local backends for Chirp (Redis, NATS+JetStream, Cassandra 5.0), without Docker.
# Included by the main Makefile. See scripts/deps/README.md.
#   make deps-up                          all three (reuse what answers, start the rest)
#   make deps-up DEPS_BACKENDS=cassandra  only some (space-separated: redis nats cassandra)
#   make deps-status / make deps-down     same selection; down stops only what we started
DEPS_SCRIPTS_DIR := $(dir $(lastword $(MAKEFILE_LIST)))../scripts/deps
DEPS_BACKENDS ?=

.PHONY: deps-up deps-down deps-status
deps-up:
	@bash $(DEPS_SCRIPTS_DIR)/up.sh $(DEPS_BACKENDS)
deps-down:
	@bash $(DEPS_SCRIPTS_DIR)/down.sh $(DEPS_BACKENDS)
deps-status:
	@bash $(DEPS_SCRIPTS_DIR)/status.sh $(DEPS_BACKENDS)
