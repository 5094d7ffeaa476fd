# The container image built and run here (scripts/docker/). Included by the Makefile;
# `make image` itself is in mk/k8s.mk (it also tags the build for helm-install).
#   make image-smoke     every target of the chart from the image, as the chart runs it
#                        (part of `make test`)
#   make docker-up       a Docker engine: reuse one that answers, else start dockerd
#   make docker-down     stop the dockerd that docker-up started (nothing else)

.PHONY: image-smoke docker-up docker-down

image-smoke: image gen deps-up ## Run each chart target from chirp:dev (read-only, non-root, no caps) and walk the REST API
	@scripts/helm/install.sh || scripts/helm/install.sh --force
	@CHIRP_IMAGE=$(IMAGE_REPO):dev $(NODE) scripts/docker/smoke.ts

docker-up: ## A Docker engine for make image: reuse a running one, else install/start dockerd
	@scripts/docker/engine.sh up

docker-down: ## Stop the Docker engine if docker-up / make image started it
	@scripts/docker/engine.sh down
