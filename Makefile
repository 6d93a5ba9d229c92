# Ringmaster — `make run` starts the platform and shows events flowing;
# `make test` runs every module's unit tests (race detector) and integration tests.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO      ?= go
BIN     := $(CURDIR)/bin
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X ringmaster.dev/kit/service.Version=$(VERSION)
MODULES := $(shell $(GO) list -m -f '{{.Dir}}')
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
SERVICES := builder repo-publisher provisioner tester kerberos-realm gateway

.PHONY: all deps build weed image compose-up compose-down compose-up-cluster compose-down-cluster run test test-unit test-integration lint docs bench bench-bus bench-bus-cluster bench-repo bench-build bench-cells bench-policy bench-cluster bench-realm bench-gateway bench-chatops bench-dashboard bench-scaling clean help

all: build

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## install the Debian tools tests and the main job drive (idempotent)
	@bash infra/deps.sh

build: ## build bin/ring and one binary per service
	@mkdir -p $(BIN)
	cd tools/ring && $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ring .
	@for s in $(SERVICES); do (cd services/$$s && $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/$$s ./cmd/$$s) || exit 1; done
	cd services/kit && $(GO) build -o $(BIN)/nats-server github.com/nats-io/nats-server/v2

# Every service in its own container (infra/compose/compose.yaml); the CLI
# on this machine reaches them through RING_HOME as it does `ring up`.
RING_HOME_DIR := $(or $(RING_HOME),$(HOME)/.local/share/ringmaster)
COMPOSE       ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
COMPOSE_ENV    = RING_HOME=$(RING_HOME_DIR) RING_PROJECT=$(CURDIR) RING_BIN=$(BIN) RING_UID=$$(id -u) RING_GID=$$(id -g) \
                 DOCKER_GID=$$(stat -c %g /var/run/docker.sock)
COMPOSE_RUN    = $(COMPOSE_ENV) $(COMPOSE) -p ringmaster -f infra/compose/compose.yaml
COMPOSE_CLUSTER = $(COMPOSE_ENV) $(COMPOSE) -p ringmaster-cluster -f infra/compose/cluster.yaml

image: deps build ## every image: toolchains, nodes, KDC and the services' (ringmaster/ring:latest)
	$(BIN)/ring image build
	$(BIN)/ring image services

compose-up: image ## NATS+S3 and each service in its own container, detached
	@mkdir -p $(RING_HOME_DIR)
	$(COMPOSE_RUN) up -d
	@echo "up: bin/ring ping | bin/ring status | make compose-down"

compose-down: ## stop and remove the containers of compose-up (state in RING_HOME stays)
	$(COMPOSE_RUN) down

compose-up-cluster: image weed ## the distributed form: 3 nats-servers (JetStream, 3 replicas, TLS), SeaweedFS, each service in a container, 2 builders
	@mkdir -p $(RING_HOME_DIR)
	$(COMPOSE_CLUSTER) up -d
	@echo "up: bin/ring ping | bin/ring status | make compose-down-cluster"

compose-down-cluster: ## stop and remove the containers and network of compose-up-cluster (state in RING_HOME stays)
	$(COMPOSE_CLUSTER) down --remove-orphans

run: deps build ## the main job on the embedded default (Ctrl-C stops); ring doctor first
	@$(BIN)/ring doctor
	$(BIN)/ring up --demo

test: deps test-unit test-integration ## everything CI runs

test-unit: ## unit tests of every module, with the race detector
	@for m in $(MODULES); do echo "== unit $$m"; (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

weed: ## SeaweedFS's weed from the pinned module (infra/seaweedfs/VERSION) into bin/ (idempotent)
	@bash infra/seaweedfs/build.sh

test-integration: weed ## integration tests against embedded NATS and S3 and real processes (SeaweedFS too)
	@for m in $(MODULES); do echo "== integration $$m"; (cd $$m && RING_WEED=$(BIN)/weed $(GO) test -tags integration -race -count=1 -timeout 40m ./...) || exit 1; done

lint: ## gofmt, go vet, staticcheck (pinned), services import only kit, events and policies
	@cd tools/ring && $(GO) test -count=1 -run TestServicesImportOnlySharedModules .
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-ed:"; echo "$$out"; exit 1; fi
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./... && $(GO) vet -tags integration ./... && $(GO) run $(STATICCHECK) -tags integration ./...) || exit 1; done

docs: ## regenerate docs/events.md from the event catalog
	$(GO) run ./events/cmd/eventsdoc docs/events.md

bench: bench-bus bench-bus-cluster bench-repo bench-build bench-cells bench-policy bench-cluster bench-realm bench-gateway bench-chatops bench-dashboard bench-scaling ## every benchmark; figures go into docs/benchmarks.md

bench-bus: build ## bus throughput, latency and ring up idle memory
	bash infra/bench/bench-bus.sh

bench-bus-cluster: build ## the bus on a 3-server JetStream cluster (3 replicas) vs one embedded server, same run
	bash infra/bench/bench-bus-cluster.sh

bench-build: deps ## image builds, cold demo matrix (parallel vs one by one), no-op rebuild
	bash infra/bench/bench-build.sh demo

bench-cells: build ## a matrix spread over 1, 2, 4 builder processes (40 short cells) and the demo with 1 vs 2
	bash infra/bench/bench-cells.sh

bench-policy: ## compatibility decisions per second and p99, against the opa CLI
	bash infra/bench/bench-policy.sh

bench-cluster: deps ## fresh 3-node cluster vs the same from a snapshot
	bash infra/bench/bench-cluster.sh

bench-realm: deps ## four clusters, four realms, mesh trust
	bash infra/bench/bench-realm.sh

clean:
	rm -rf $(BIN)

bench-gateway: deps ## webhook intake p99 vs a bare HMAC handler; push → green status of the fixture stack from git
	bash infra/bench/bench-gateway.sh

bench-chatops: ## slash command → ephemeral answer p99 at 50/s, authz decisions/s and p99 against the opa CLI
	bash infra/bench/bench-chatops.sh

bench-dashboard: ## runs page with 10,000 runs (cache vs whole bucket); a build's wall time with 0 vs 50 SSE streams
	bash infra/bench/bench-dashboard.sh

bench-scaling: weed ## the figures of docs/scaling.md: KV fan-out, FACTS growth, shared vs routed commands, S3 objects/s, one writer per channel
	bash infra/bench/bench-scaling.sh

bench-repo: ## repo publisher vs apt-ftparchive, createrepo_c, aptly, reprepro
	bash infra/bench/bench-repo.sh
