# rcjail — see README.md. Every target works on a fresh machine once .ci/run's
# install step has run; root-only tests run when this is run as root.
GO        ?= go
PREFIX    ?= /usr/local
DESTDIR   ?=
BIN       := bin/rcjail
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $$($(GO) env GOPATH)/bin/staticcheck)

.PHONY: all build test lint cross bench demo install uninstall clean

all: lint cross test

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/rcjail

# The whole suite. Under RCJAIL_REQUIRE_ROOT=1 (CI) a skipped test is a failure.
test:
	@\
	$(GO) test -count=1 -v ./... >test.log 2>&1; st=$$?; \
	grep -E '^(--- FAIL|--- SKIP|ok |FAIL|panic:)' test.log; \
	if [ $$st -ne 0 ]; then grep -B2 -A30 -E '^(--- FAIL|panic:)' test.log | head -300; exit $$st; fi; \
	if [ "$$RCJAIL_REQUIRE_ROOT" = 1 ] && grep -q -- '--- SKIP' test.log; then \
		echo "make test: tests were skipped under RCJAIL_REQUIRE_ROOT=1"; exit 1; fi; \
	echo "$$(grep -c -- '--- PASS' test.log) passed, $$(grep -c -- '--- FAIL' test.log) failed"

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(STATICCHECK) ./...
	shellcheck -s sh rc.d/jail
	shellcheck $$(find bench testdata/demo -name '*.sh' 2>/dev/null)
	@if [ -f doc/rcjail.8 ]; then mandoc -Tlint -Wwarning doc/rcjail.8; fi

cross:
	GOOS=freebsd GOARCH=amd64 $(GO) vet ./...
	GOOS=freebsd GOARCH=arm64 $(GO) vet ./...
	GOOS=freebsd GOARCH=amd64 $(GO) test -count=1 -exec=true ./... >/dev/null
	GOOS=freebsd GOARCH=arm64 $(GO) test -count=1 -exec=true ./... >/dev/null

bench: build
	bash bench/run.sh

demo: build
	bash testdata/demo/run.sh

install: build
	bash rc.d/install.sh install "$(DESTDIR)" "$(PREFIX)" "$(BIN)"

uninstall:
	bash rc.d/install.sh uninstall "$(DESTDIR)" "$(PREFIX)"

clean:
	rm -rf bin test.log
