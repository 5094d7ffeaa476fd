# A local 3-master Redis Cluster (127.0.0.1:7101-7103) for the timeline store's
# cluster tests and the benchmark. The store test starts it by itself too.
.PHONY: redis-cluster-up redis-cluster-down

redis-cluster-up: ## Start (or reuse) the local Redis Cluster on 7101-7103
	scripts/redis-cluster/up.sh

redis-cluster-down: ## Stop the local Redis Cluster and remove its data
	scripts/redis-cluster/down.sh
