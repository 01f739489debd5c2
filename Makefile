# rcjail — see README.md. Every target works on a fresh machine once .ci/run's
# install step has run; root-only tests run when this is run as root.
#
# Portable: GNU make and FreeBSD's make (bmake) both run this file, so it uses
# only what both have: no $(shell ...) (bmake expands it to nothing) and no
# "!=", conditionals or pattern rules. What must be computed (version, commit,
# staticcheck's path) is computed by the recipe's shell. bmake runs each
# recipe line with "sh -e": a command whose failure is expected carries its
# own "|| ...".
GO        ?= go
PREFIX    ?= /usr/local
DESTDIR   ?=
BIN       = bin/rcjail
# Empty: taken from git at build time (git describe / rev-parse), else
# "dev" / "unknown".
VERSION   ?=
COMMIT    ?=
STATICCHECK ?=

.PHONY: all build test lint cross bench demo install uninstall clean

all: lint cross test

build:
	@v='$(VERSION)'; c='$(COMMIT)'; \
	[ -n "$$v" ] || v=$$(git describe --tags --always --dirty 2>/dev/null) || v=; \
	[ -n "$$v" ] || v=dev; \
	[ -n "$$c" ] || c=$$(git rev-parse --short HEAD 2>/dev/null) || c=; \
	[ -n "$$c" ] || c=unknown; \
	echo "$(GO) build -o $(BIN) ./cmd/rcjail (version $$v, commit $$c)"; \
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X 'main.version=$$v' -X 'main.commit=$$c'" -o '$(BIN)' ./cmd/rcjail

# The whole suite. Under RCJAIL_REQUIRE_ROOT=1 (CI) a skipped test is a failure.
test:
	@st=0; $(GO) test -count=1 -v ./... >test.log 2>&1 || st=$$?; \
	grep -E '^(--- FAIL|--- SKIP|ok |FAIL|panic:)' test.log || true; \
	if [ $$st -ne 0 ]; then grep -B2 -A30 -E '^(--- FAIL|panic:)' test.log | head -300; exit $$st; fi; \
	if [ "$$RCJAIL_REQUIRE_ROOT" = 1 ] && grep -q -- '--- SKIP' test.log; then \
		echo "make test: tests were skipped under RCJAIL_REQUIRE_ROOT=1"; exit 1; fi; \
	echo "$$(grep -c -- '--- PASS' test.log) passed, $$(grep -c -- '--- FAIL' test.log || true) failed"

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	@sc='$(STATICCHECK)'; \
	[ -n "$$sc" ] || sc=$$(command -v staticcheck 2>/dev/null) || sc=; \
	[ -n "$$sc" ] || sc=$$($(GO) env GOPATH)/bin/staticcheck; \
	echo "$$sc ./..."; "$$sc" ./...
	shellcheck -s sh rc.d/jail rc.d/install.sh
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
	sh rc.d/install.sh install '$(DESTDIR)' '$(PREFIX)' '$(BIN)'

uninstall:
	sh rc.d/install.sh uninstall '$(DESTDIR)' '$(PREFIX)'

clean:
	rm -rf bin test.log
