# bcdr: the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/bcdr
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build demo dev test vet fuzz bench clean

## build: compile the bcdr binary into bin/
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/bcdr

## demo: build, then run the bundled failover demo end to end on the embedded engine
demo: build
	./$(BIN) demo

## dev: build, then start bcdr dev (engine, Web UI, worker, API) on 127.0.0.1
dev: build
	./$(BIN) dev

## test: vet and run every test (the AWS tests need moto: pip install 'moto[server]')
test: vet
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

## fuzz: fuzz the runbook parser (FUZZTIME=10m by default)
FUZZTIME ?= 10m
fuzz:
	$(GO) test ./runbooks -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

## bench: run the benchmarks on the embedded engine and print their figures
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./engine ./cmd/bcdr ./runbooks

clean:
	rm -rf bin
