# Asset Compute service for Apache OpenWhisk.
#   make demo   render the sample assets locally into ./out/ (no cloud, no cluster)
#   make test   run the test suite
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# Packages without cgo, tested with the race detector as well.
PURE_PKGS := ./pkg/api/... ./pkg/owaction/... ./pkg/transfer/... ./pkg/worker/... ./pkg/invoke/... ./pkg/process/... ./pkg/storageevent/... ./pkg/events/...

.PHONY: all deps build actions test test-race demo lint fmt clean deploy

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(GO) build -o bin/acs ./cmd/acs

actions: deps
	bash scripts/build-actions.sh

test: deps
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race $(PURE_PKGS)
	cd test/tools && $(GO) test -count=1 ./...

deploy:
	bash scripts/deploy.sh

demo: build
	bash scripts/demo.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin build out
