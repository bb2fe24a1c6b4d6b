# runtime-lab — run `make help` for the targets.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
GO ?= go
BIN := $(CURDIR)/bin
# Tools are pinned here and built into hack/tools/bin/<name>-<version>.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK := $(CURDIR)/hack/tools/bin/staticcheck-$(STATICCHECK_VERSION)
CONTROLLER_TOOLS_VERSION ?= v0.23.0
CONTROLLER_GEN := $(CURDIR)/hack/tools/bin/controller-gen-$(CONTROLLER_TOOLS_VERSION)
# Test flags: CI runs the race detector.
TEST_FLAGS ?= -race -count=1
BENCH_TIME ?= 5s

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z0-9_.-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: fmt
fmt: ## Format the Go code (gofmt -s).
	gofmt -s -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

.PHONY: lint
lint: $(STATICCHECK) ## Check formatting, go vet and staticcheck.
	@out=$$(gofmt -s -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	mkdir -p $(dir $@)
	GOBIN=$(dir $@) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(dir $@)/staticcheck $@

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate the scenario API blocks from the catalogue, and deepcopy code.
	$(GO) run ./hack/gen-api
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths=./api/...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD (config/crd/bases) and the operator's RBAC from markers (config/rbac).
	$(CONTROLLER_GEN) crd:allowDangerousTypes=true paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=runtimelab-operator paths=./operator/... output:rbac:artifacts:config=config/rbac
	cp config/crd/bases/lab.runtimelab.io_experiments.yaml operator/validate/crd.yaml

.PHONY: verify-gen
verify-gen: generate manifests ## Fail when generated files (API blocks, deepcopy, CRD, RBAC) differ from the committed ones.
	@git diff --exit-code -- api config operator/validate/crd.yaml && test -z "$$(git status --porcelain -- api config operator/validate/crd.yaml)" || { echo "generated files are stale: run 'make generate manifests' and commit"; exit 1; }

$(CONTROLLER_GEN):
	mkdir -p $(dir $@)
	GOBIN=$(dir $@) $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(dir $@)/controller-gen $@

##@ Build

.PHONY: build
build: ## Build bin/workload and bin/manager.
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/workload ./workloads/cmd/workload
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/manager ./operator/cmd/manager

##@ Test

.PHONY: envtest
envtest: ## Build kube-apiserver and etcd from Go modules for the API tests (cached by version).
	@hack/k8s-bin.sh kube-apiserver etcd

.PHONY: test
test: ## Run every test: real API server (envtest), real cgroups where the machine allows; see README.
	KUBEBUILDER_ASSETS="$${KUBEBUILDER_ASSETS:-$$(hack/k8s-bin.sh kube-apiserver etcd)}" $(GO) test $(TEST_FLAGS) ./...

.PHONY: bench
bench: build ## Print workload ratios against baselines run side by side, and the operator on a 1,000-run Experiment.
	$(GO) run ./hack/bench --workload $(BIN)/workload --benchtime $(BENCH_TIME)
	$(GO) run ./hack/operator-bench
	$(GO) run ./hack/localexec-bench --workload $(BIN)/workload
