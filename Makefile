# Asset Compute service for Apache OpenWhisk.
#   make demo   render the sample assets locally into ./out/ (no cloud, no cluster)
#   make test   run the test suite
#   make lint   gofmt, go vet, staticcheck and the go.mod tidy check
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# Packages without cgo, tested with the race detector as well.
PURE_PKGS := ./pkg/api/... ./pkg/format/... ./pkg/owaction/... ./pkg/settings/... ./pkg/transfer/... ./pkg/worker/... ./pkg/invoke/... ./pkg/process/... ./pkg/storageevent/... ./pkg/events/... ./pkg/logctx/... ./pkg/devserver/... ./pkg/workertest/... ./pkg/internal/backoff/... ./pkg/internal/deadline/... ./pkg/internal/metablock/... ./pkg/internal/cage/... ./pkg/media/... ./pkg/office/...
PURE_PKGS += ./pkg/internal/rasterhead/... ./pkg/internal/indd/...
PURE_PKGS += ./pkg/raw/...
PURE_PKGS += ./pkg/journal/... ./pkg/acapi/...
PURE_PKGS += ./pkg/analysis/...
PURE_PKGS += ./pkg/tagging/...
PURE_PKGS += ./pkg/postscript/... ./pkg/internal/h264/...
PURE_PKGS += ./pkg/ocr
PURE_PKGS += ./pkg/apiauth/...

.PHONY: all deps build actions test test-race demo lint staticcheck fmt clean deploy e2e

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
# (test/e2e/tools); a tool that cannot be built makes the test skip. The
# Asset Compute API step drives @adobe/asset-compute-client from
# test/compat (npm ci by deps); without it that step is left out.
# E2E_REQUIRED=1 turns every skip into a failure.
# E2E_BENCH=1 also prints the photo latency breakdown without -v.
e2e: deps
	$(GO) build -o bin/acs ./cmd/acs
	bash scripts/build-actions.sh
	cd test/tools && $(GO) build -o ../../bin/wskdeploy github.com/apache/openwhisk-wskdeploy || { rm -f ../../bin/wskdeploy; echo "e2e: cannot build wskdeploy: the test will skip"; }
	cd test/e2e/tools && $(GO) build -trimpath -ldflags "-s -w" -o ../../../bin/versitygw github.com/versity/versitygw/cmd/versitygw || { rm -f ../../../bin/versitygw; echo "e2e: cannot build versitygw: the test will skip"; }
	cd test/e2e && E2E_BIN_DIR=$(CURDIR)/bin $(GO) test -count=1 -timeout 10m -v ./...

demo: build
	bash scripts/demo.sh

# gofmt, go vet and staticcheck (the version pinned below, installed into
# bin/) over every module of the repository, and go.mod/go.sum exactly as
# `go mod tidy` makes them (nothing required that is unused, direct
# requirements not marked indirect) in the main module and
# scripts/depbench. The tidy check reads the module cache first and the
# module proxy only for what it lacks. A finding that must stay (a message
# that copies OpenWhisk's word for word, say) carries a
# //lint:ignore CHECK reason comment where it is.
LINT_MODULES := . test/e2e test/tools scripts/depbench
lint: staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(LINT_MODULES); do echo "go vet: $$m"; (cd $$m && GOWORK=off $(GO) vet ./...); done
	@set -e; for m in $(LINT_MODULES); do echo "staticcheck: $$m"; (cd $$m && GOWORK=off $(STATICCHECK) ./...); done
	GO=$(GO) bash scripts/check-tidy.sh . scripts/depbench

# staticcheck at a pinned version (one that knows the go directive of
# go.mod), built from the module proxy into bin/ unless bin/ already holds
# that version.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CURDIR)/bin/staticcheck
staticcheck:
	@v=$(STATICCHECK_VERSION); if ! "$(STATICCHECK)" -version 2>/dev/null | grep -qF "($${v#v})"; then \
		echo "installing staticcheck $$v into bin/"; \
		GOBIN=$(CURDIR)/bin GOWORK=off GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$$v; \
	fi

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin build out
