# The test command the README gives and .ci/run runs: `make test`.
# Needs the local services described in README.md ("Running the tests").

GO      ?= go
BIN     := bin/datawald
VERSION ?= dev
GOFILES  = $(shell git ls-files --cached --others --exclude-standard -- '*.go')

.PHONY: build test fmt-check vet unit lint-configs config-tests

build:
	$(GO) build -ldflags "-X main.Version=$(VERSION)" -o $(BIN) .

test: fmt-check vet build unit lint-configs config-tests

fmt-check:
	@out="$$(gofmt -l $(GOFILES))"; if [ -n "$$out" ]; then echo "gofmt: these files are not formatted:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -timeout 40m ./...

lint-configs: build
	find configs -name '*.yaml' -print0 | xargs -0 -r ./$(BIN) lint

config-tests: build
	./$(BIN) test ./tests/...
