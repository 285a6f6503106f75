# Every target installs what it needs: a fresh clone needs only Go, npm and make.
# Node 22 and the CDK CLI come from package.json; node_modules/.bin goes first on
# PATH so jsii, synth and cdk all run on a supported Node.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

ENVS = $(shell node -p 'Object.keys(require("./cdk.json").context.environments).join(" ")')
APP  := GoWebApp
CDK  := node_modules/.bin/cdk

.DEFAULT_GOAL := help

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: tools
tools: node_modules/.installed ## Install the pinned npm tools (Node 22, CDK CLI)

.PHONY: run
run: tools ## Run the dev stack locally with go tool goapigw: the real bootstrap, rebuilt on every save, behind an API Gateway emulator on :3000 and :3001 (RUN_FLAGS="-v", "-env prod")
	go tool goapigw -env dev $(RUN_FLAGS)

.PHONY: dev
dev: ## Serve the app as a plain local server on 127.0.0.1:8080 (quick edit loop)
	go run ./function

.PHONY: test
test: tools ## Run every test: adapter, web app, browser, construct, synth, local stack (PKGS=./function/... for some)
	@mkdir -p bin
	@# The full log goes to bin/test.log; the screen gets the results, the
	@# figures the tests measure, every failure in full, and, last, what was
	@# skipped and why (internal/skipsummary reads the -v log).
	@status=0; go test -count=1 -v $(PKGS) > bin/test.log 2>&1 || status=$$?; \
	grep -E '^(ok|FAIL|page cost|load through|embedding|download through|streaming 50 MB|invocations per first view|proactive controls|goapigw|watch: edit|local sign-in|session cookie|deploy hook)' bin/test.log || true; \
	if [ $$status -ne 0 ]; then \
		echo "--- failures (full log: bin/test.log) ---"; \
		grep -E -B2 -A40 -- '^\s*--- FAIL|^panic:' bin/test.log | head -300; \
		go run ./internal/skipsummary bin/test.log; \
		exit $$status; \
	fi
	$(if $(RACE_PKGS),go test -race -count=1 $(RACE_PKGS))
	cd bench && go test -count=1 .
	cd examples/s3explorer && go test -count=1 ./...
	@go run ./internal/skipsummary bin/test.log

# What make test runs: every package, and the concurrent ones under -race.
PKGS      ?= ./...
RACE_PKGS ?= ./function/restproxy ./infra/apigwlocal ./infra/lambdalocal

# Every module of the repository: the main one, the benchmarks, the
# second app that the embedding test runs, and the examples.
MODULES := . bench infra/goapigw/testdata/shop examples/s3explorer

.PHONY: lint
lint: ## gofmt, go vet, staticcheck and go mod tidy -diff, for every module
	@out=$$(gofmt -l function infra internal bench examples); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	cd bench && go vet . && go tool staticcheck .
	@# The other modules have no staticcheck tool line: they run the main module's.
	sc=$$(go tool -n staticcheck); cd infra/goapigw/testdata/shop && go vet ./... && $$sc ./...
	sc=$$(go tool -n staticcheck); cd examples/s3explorer && go vet ./... && $$sc ./...
	@for m in $(MODULES); do echo "go mod tidy -diff ($$m)"; (cd $$m && go mod tidy -diff) || { echo "go.mod or go.sum of $$m is not tidy: run go mod tidy there"; exit 1; }; done

.PHONY: synth
synth: tools ## Synthesize every environment into cdk.out (CloudFormation schema validation on)
	$(CDK) synth --quiet

.PHONY: check-env
check-env:
	@if [ -z "$(ENV)" ]; then echo "ENV is required; known environments: $(ENVS)" >&2; exit 2; fi
	@if ! echo " $(ENVS) " | grep -q " $(ENV) "; then echo "unknown ENV '$(ENV)'; known environments: $(ENVS)" >&2; exit 2; fi

.PHONY: diff
diff: tools check-env ## Show what deploying ENV would change (ENV=dev|staging|prod)
	$(CDK) diff $(APP)-$(ENV)

.PHONY: deploy
deploy: tools check-env ## Deploy ENV to the current AWS account (ENV=dev|staging|prod)
	$(CDK) deploy $(APP)-$(ENV)

.PHONY: destroy
destroy: tools check-env ## Delete ENV's stack (ENV=dev|staging|prod)
	$(CDK) destroy $(APP)-$(ENV)

.PHONY: golden
golden: tools ## Regenerate golden files (adapter responses, web pages, templates, screenshot)
	go test -count=1 ./function/restproxy ./function/web ./infra/lambdaweb -update

.PHONY: bench
bench: tools ## Benchmarks: adapter vs peers, bootstrap size, cold start under RIE; writes bench/RESULTS.md
	cd bench && go run .

.PHONY: diagram
diagram: ## Re-render the architecture picture from its graphviz source (needs dot)
	dot -Tpng function/web/assets/arch.dot -o function/web/assets/arch.png

.PHONY: clean
clean: ## Remove build output (cdk.out, bin)
	rm -rf cdk.out bin

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
