# Asset Compute service for Apache OpenWhisk.
#   make demo   render the sample assets locally into ./out/ (no cloud, no cluster)
#   make test   run the test suite
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# Packages without cgo, tested with the race detector as well.
PURE_PKGS := ./pkg/api/... ./pkg/format/... ./pkg/owaction/... ./pkg/settings/... ./pkg/transfer/... ./pkg/worker/... ./pkg/invoke/... ./pkg/process/... ./pkg/storageevent/... ./pkg/events/... ./pkg/logctx/... ./pkg/devserver/... ./pkg/workertest/... ./pkg/internal/backoff/... ./pkg/internal/deadline/... ./pkg/internal/metablock/... ./pkg/internal/cage/... ./pkg/media/...

.PHONY: all deps build actions test test-race demo lint fmt clean deploy e2e

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

# End-to-end test (test/e2e): versitygw bucket notifications -> trigger on
# `acs serve` -> storage-event -> process -> workers -> renditions in the
# bucket and signed webhook events. Builds bin/acs, build/*.zip, and the
# pinned tools bin/wskdeploy (test/tools) and bin/versitygw
# (test/e2e/tools); a tool that cannot be built makes the test skip.
# E2E_BENCH=1 also prints the photo latency breakdown without -v.
e2e: deps
	$(GO) build -o bin/acs ./cmd/acs
	bash scripts/build-actions.sh
	cd test/tools && $(GO) build -o ../../bin/wskdeploy github.com/apache/openwhisk-wskdeploy || { rm -f ../../bin/wskdeploy; echo "e2e: cannot build wskdeploy: the test will skip"; }
	cd test/e2e/tools && $(GO) build -trimpath -ldflags "-s -w" -o ../../../bin/versitygw github.com/versity/versitygw/cmd/versitygw || { rm -f ../../../bin/versitygw; echo "e2e: cannot build versitygw: the test will skip"; }
	cd test/e2e && E2E_BIN_DIR=$(CURDIR)/bin $(GO) test -count=1 -timeout 10m -v ./...

demo: build
	bash scripts/demo.sh

# gofmt, go vet, and go.mod/go.sum exactly as `go mod tidy` makes them
# (nothing required that is unused, direct requirements not marked
# indirect) in the main module and scripts/depbench. The tidy check reads
# the module cache first and the module proxy only for what it lacks.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GO=$(GO) bash scripts/check-tidy.sh . scripts/depbench

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin build out
