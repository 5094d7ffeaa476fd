# Load benchmark of the whole mesh (issue 9): seeds a social graph, steps an
# open-loop mixed load (60% home / 30% user timelines / 10% posts) up to the
# highest rate with p99 <= 50 ms, against baselines measured in the same run.
# Results: bench/results/<run>.{json,md,svg,png} and *-latest.*; see bench/README.md.
#   make bench-quick                      smoke check, embedded, < 1 minute
#   make bench                            embedded all-in-one, full
#   make bench-cluster                    one process per target on Cassandra + NATS + Redis
#   make bench BENCH_ARGS="--users=12501 --tokens=mint"    any bench/main.ts option (--help)
#   make bench-clean                      drop the benchmark's keyspaces, Redis keys, NATS streams and local data
BENCH_ARGS ?=
BENCH := $(NODE) bench/main.ts

.PHONY: bench bench-quick bench-cluster bench-check bench-clean

bench: gen ## Load benchmark, embedded all-in-one (BENCH_ARGS=... for options)
	@$(MAKE) --no-print-directory deps-up DEPS_BACKENDS=redis || echo "bench: no Redis, the Redis baseline will be skipped"
	$(BENCH) --mode=embedded $(BENCH_ARGS)

bench-quick: gen ## Load benchmark smoke check (embedded, tiny graph, < 1 minute)
	@$(MAKE) --no-print-directory deps-up DEPS_BACKENDS=redis >/dev/null 2>&1 || echo "bench: no Redis, the Redis baseline will be skipped"
	$(BENCH) --mode=embedded --quick $(BENCH_ARGS)

bench-cluster: gen deps-up ## Load benchmark, cluster mode: one process per target on the local backends
	$(BENCH) --mode=cluster $(BENCH_ARGS)

bench-check: gen ## Type-check the benchmark, run its unit tests and a small embedded run of it
	$(BIN)/tsc -p bench/tsconfig.json
	node --import tsx --test bench/*.test.ts

bench-clean: gen ## Drop the benchmark's data: chirp_bench_* keyspaces, chirpbench_* Redis keys and NATS streams, bench/results/.data
	$(NODE) bench/clean.ts
