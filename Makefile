# ocl-build. `make demo` and `make test` install what they need (hack/deps.sh).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
export CGO_ENABLED := 1
TAGS := cni containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper
export TAGS
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN := bin/ocl-build
GOTEST_TIMEOUT ?= 35m

.PHONY: all build deps test lint unit fuzz demo bench fixtures clean rule-docs docs

all: build

deps:
	@bash hack/deps.sh

build:
	go build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ocl-build

# go vet, staticcheck, go test and every fuzz target (hack/fuzz.sh, beside
# the tests at low priority); hack/test.sh says why in that order.
test: deps
	GOTEST_TIMEOUT=$(GOTEST_TIMEOUT) bash hack/test.sh

# go vet and staticcheck (pinned in hack/deps.d/staticcheck.sh), as `make test` runs them.
lint: deps
	go vet -tags "$(TAGS)" ./...
	bash hack/staticcheck.sh

unit:
	go test -tags "$(TAGS)" -short ./...

# `make fuzz FUZZTIME=10m` fuzzes every target for as long as asked.
fuzz:
	FUZZTIME=$(or $(FUZZTIME),5m) LINT_FUZZTIME=$(or $(FUZZTIME),5m) bash hack/fuzz.sh

fixtures: deps
	bash testdata/fixtures/build.sh

demo: deps build
	bash hack/demo.sh

bench: deps build
	bash bench/run.sh

# The rule pages under docs/rules, from pkg/rules (TestPagesAreCurrent
# fails when they drift).
rule-docs:
	go generate ./pkg/rules

# Man pages (section 1) generated from the commands, plus the rule pages.
docs: build rule-docs
	rm -rf docs/man && $(BIN) __gendocs docs/man

clean:
	rm -rf bin
