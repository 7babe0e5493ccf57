# kizuki — build, test, demo and benchmark. `make help` lists the targets.

SHELL    := /bin/bash
GO       ?= go
BIN      := bin/kizuki
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
DEMO_OUT ?= $(CURDIR)/bin/demo-case

export CGO_ENABLED ?= 0
# no_fs_access: Coraza otherwise probes the temporary folder at start-up, the
# one write kizuki would make outside its case folder (and a scan would fail
# where TMPDIR is not writable). kizuki gives Coraza an embedded rule set.
export GOFLAGS ?= -tags=no_fs_access

.PHONY: help build test test-go test-range deps demo bench fuzz vet clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

build: ## build bin/kizuki (a single static binary)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kizuki

deps: ## install the Debian packages the tests use (if missing)
	@scripts/deps.sh

vet:
	$(GO) vet ./...

test: deps vet build test-go test-range ## install what is missing, then run every test
	@echo "make test: all tests passed"

test-go:
	$(GO) test -count=1 ./...

# The attack range end to end: real nginx, MariaDB, sshd under real sqlmap,
# hydra and a web shell on loopback, then kizuki held to the run's truth
# (about three minutes, plus package installs on a fresh machine). It needs
# root for its private servers; elsewhere it is skipped, saying so.
test-range: ## run the attack range end to end and score kizuki against its truth
	@mkdir -p bin
	@if [ "$$(id -u)" -ne 0 ]; then \
		echo "test-range: skipped (needs root for the range's private servers; run: sudo make test-range)"; \
	elif $(GO) test -count=1 -tags range -run TestRangeEndToEnd -timeout 30m -v ./range/ > bin/range-test.log 2>&1; then \
		sed -n '/kizuki against/,/false incidents/p' bin/range-test.log; tail -n 2 bin/range-test.log; \
	else \
		tail -n 120 bin/range-test.log; echo "test-range: FAILED (full log: bin/range-test.log)"; exit 1; \
	fi

demo: build ## scan the recorded attack-range case (examples/range) and print the answers
	@rm -rf $(DEMO_OUT)
	@# Exit code 1 means "incidents found": the expected outcome here.
	$(BIN) scan examples/range/logs --inventory examples/range/inventory.yaml --out $(DEMO_OUT) || [ $$? -eq 1 ]
	@echo "Open $(DEMO_OUT)/report.html in a browser; kizuki verify $(DEMO_OUT) re-checks it."

bench: build ## generate a mixed case and measure throughput (see docs/PERFORMANCE.md)
	@bench/run.sh

fuzz: ## run every fuzz target for FUZZTIME each (default 60s)
	@scripts/fuzz.sh $${FUZZTIME:-60s}

clean:
	rm -rf bin
