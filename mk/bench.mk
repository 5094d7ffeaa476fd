# Load benchmark of the whole mesh (issues 9 and 29): seeds a social graph, steps an
# open-loop mixed load (60% home / 30% user timelines / 10% posts, REST through the
# gateway, sent by mixload, bench/tools/mixload.c) up to the highest rate with p99 <= 50 ms and no errors,
# against baselines measured in the same run (a closed loop of home reads by wrk
# against a bare node:http server with the same page, the Redis ceiling), and
# prints issue 29's targets as PASS / FAIL lines. mixload is built with the C compiler and wrk fetched from
# Debian's packages on first use (bench/tools/).
# Results: bench/results/<run>.{json,md,svg,png} and *-latest.*; see bench/README.md.
#   make bench-quick                      smoke check, embedded, < 1 minute
#   make bench                            embedded all-in-one, full
#   make bench-cluster                    one process per target on Cassandra + NATS + Redis
#   make bench BENCH_ARGS="--users=12501 --tokens=mint"    any bench/main.ts option (--help)
#   make bench-keep [RUN=<name>]          copy a run's report into bench/results/reports/ (tracked) to commit it
#   make bench-clean                      drop the benchmark's keyspaces, Redis keys, NATS streams and local data
BENCH_ARGS ?=
RUN ?=
BENCH := $(NODE) bench/main.ts

.PHONY: bench bench-quick bench-cluster bench-check bench-keep bench-clean

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

bench-keep: ## Copy a run's report (RUN=<name>; default the newest full run of each mode) into bench/results/reports/ to commit it
	$(NODE) bench/keep.ts $(RUN)

bench-clean: gen ## Drop the benchmark's data: chirp_bench_* keyspaces, chirpbench_* Redis keys and NATS streams, bench/results/.data
	$(NODE) bench/clean.ts
