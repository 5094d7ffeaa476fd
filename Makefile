# Chirp. `make run` and `make test` do all the set-up on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN := node_modules/.bin
NODE := node --import tsx
# The Node.js release in .nvmrc, fetched into .tools/node by scripts/node/install.sh
# and first on PATH for every recipe (CHIRP_NODE=system uses PATH's node instead).
ifneq ($(CHIRP_NODE),system)
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)
endif
# A 32 MB young generation for every Node process a recipe starts (the mesh
# launcher's and the benchmarks' children inherit it): the services allocate per
# request, and fewer scavenges cannot cost more CPU (bench/HISTORY.md).
export NODE_OPTIONS ?= --max-semi-space-size=32
PROTOS := $(shell find proto -name '*.proto')

.PHONY: help run run-cluster test gen lint build breaking clean migrate

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: node
node: ## Fetch the Node.js release in .nvmrc into .tools/node (once)
	@scripts/node/install.sh

node_modules/.package-lock.json: package.json package-lock.json | node
	npm ci --no-audit --no-fund
	@touch $@

.proto-deps/.stamp: node_modules/.package-lock.json scripts/proto/deps.ts scripts/proto/print-proto.ts
	$(NODE) scripts/proto/deps.ts
	@touch $@

gen/.stamp: .proto-deps/.stamp buf.yaml buf.gen.yaml $(PROTOS)
	PATH="$$PWD/$(BIN):$$PATH" $(BIN)/buf generate
	@touch $@

gen: gen/.stamp ## Generate TypeScript from the .proto contracts (offline)

lint: gen ## buf lint (STANDARD) and the TypeScript type check
	$(BIN)/buf lint
	$(BIN)/tsc -p tsconfig.json --noEmit

breaking: gen ## buf breaking against the main branch
	scripts/proto/breaking.sh

build: gen ## Compile to dist/
	$(BIN)/tsc -p tsconfig.json

test: lint breaking bench-check rules-check deps-up image-smoke ## Every check and test suite (brings up what it needs)
	scripts/helm/install.sh || scripts/helm/install.sh --force
	$(BIN)/ava

run: gen ## The whole system in one process, embedded storage under ./data
	$(NODE) services/main.ts --target=all

run-cluster: gen deps-up ## The mesh as one process per target against the local backends
	$(NODE) services/testing/run-cluster.ts

migrate: gen ## Apply pending Cassandra migrations (CHIRP_CASSANDRA_* settings)
	$(NODE) services/platform/cassandra/migrate-main.ts

clean: ## Remove generated and built files (keeps ./data)
	rm -rf dist gen .proto-deps

-include mk/*.mk
