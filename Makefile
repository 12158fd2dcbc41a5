# oxlite — see README.md. `make run` starts the server, `make test` runs every test.
GO      ?= go
DATA    ?= ./data
LISTEN  ?= 127.0.0.1:8080
GOROOT  := $(shell $(GO) env GOROOT)
DIST    := web/dist

# js/wasm tests run in Node, as $(GOROOT)/lib/wasm/go_js_wasm_exec does, but
# with --liftoff-only: V8's optimising tier spends ~10 s per test binary on
# the translated SQLite functions, the baseline tier starts it in ~2 s.
WASM_EXEC := node --stack-size=8192 --liftoff-only $(GOROOT)/lib/wasm/wasm_exec_node.js

# Budget of the service-worker wasm after brotli -q 11 (DESIGN.md §6):
# 4.5 MB read as SI megabytes, 4,500,000 bytes.
WASM_BR_MAX := 4500000

.PHONY: run test test-go test-wasm fuzz wasm wasm-offline bench deps vet browser-deps test-browser bench-browser

run: wasm
	$(GO) run ./server serve --listen $(LISTEN) --data $(DATA)

test: deps vet wasm test-go test-wasm fuzz test-browser

# CI starts from a fresh Debian machine as root: brotli for `make wasm`,
# Node for the js/wasm tests.
deps:
	@missing=""; \
	command -v brotli >/dev/null || missing="$$missing brotli"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	$(GO) mod download

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./core/... ./storage/... ./syncer/... ./wasm/...
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

test-go:
	$(GO) test -count=1 ./...

# core/ and storage/ must keep working in the browser build; wasm/ tests
# the bridge against Node's fetch classes. Fuzz targets run their seed
# corpus here (and in test-go) like ordinary tests.
test-wasm:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(WASM_EXEC)" ./core/... ./storage/... ./syncer/... ./wasm/...

# Fuzz targets as <package dir>:<target>; `make fuzz` runs each FUZZTIME
# natively. They live in packages without storage/, whose instrumented
# SQLite build would cost a minute per package.
FUZZ_TARGETS := \
	core/protocol:FuzzParse \
	core/protocol:FuzzParseColumns \
	core/protocol:FuzzLimits \
	core/protocol:FuzzSortOrder \
	core/protocol:FuzzDecodeBody \
	core/protocol:FuzzCallbackPage \
	core/ajax:FuzzMultiple \
	core/ajax:FuzzMultipleItem \
	core/vcardconv:FuzzDecode \
	core/csvconv:FuzzDecode \
	core/icalconv:FuzzDecode \
	core/icalconv:FuzzDecodeEvents
FUZZTIME ?= 10s

# Go 1.26 can fail a duration-bounded fuzz run with a bare "context
# deadline exceeded" when the time is up (go.dev/issue/75804, fixed in Go
# 1.27). A real failure always writes its input to testdata/fuzz, so only
# a run that wrote none is let through.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz ./$$pkg $$name $(FUZZTIME)"; \
		if ! out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$pkg 2>&1); then \
			if echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
				echo "  ignored: fuzz coordinator deadline race (go.dev/issue/75804), no failing input"; \
			else \
				echo "$$out"; exit 1; \
			fi; \
		fi; \
	done

# The service-worker build (DESIGN.md §1, §6). Both outputs are written in
# bin/ and renamed into web/dist, which the server embeds, so it never sees
# half a file; the wasm is replaced only when its bytes change, so the
# ~70 s brotli pass runs only then.
wasm:
	@command -v brotli >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends brotli)
	@mkdir -p bin
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o bin/oxlite.wasm ./wasm
	@if cmp -s bin/oxlite.wasm $(DIST)/oxlite.wasm; then rm bin/oxlite.wasm; else mv bin/oxlite.wasm $(DIST)/oxlite.wasm; fi
	cp $(GOROOT)/lib/wasm/wasm_exec.js $(DIST)/wasm_exec.js
	cp web/offline/sw.js $(DIST)/sw.js
	@# -n: brotli would copy the wasm's mtime, and the .br would look stale.
	@if [ ! -s $(DIST)/oxlite.wasm.br ] || [ $(DIST)/oxlite.wasm -nt $(DIST)/oxlite.wasm.br ]; then \
		echo "brotli -q 11 $(DIST)/oxlite.wasm"; \
		brotli -q 11 -f -n -o bin/oxlite.wasm.br $(DIST)/oxlite.wasm && chmod 644 bin/oxlite.wasm.br && \
		mv bin/oxlite.wasm.br $(DIST)/oxlite.wasm.br || exit 1; \
	fi
	@raw=$$(wc -c < $(DIST)/oxlite.wasm); br=$$(wc -c < $(DIST)/oxlite.wasm.br); \
	echo "oxlite.wasm: $$raw bytes raw, $$br bytes brotli (budget $(WASM_BR_MAX))"; \
	if [ $$br -gt $(WASM_BR_MAX) ]; then echo "oxlite.wasm.br is over the budget of $(WASM_BR_MAX) bytes"; exit 1; fi

# `make wasm-offline` is the former name of the same build.
wasm-offline: wasm

browser-deps:
	@command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
	cd tests/browser && npm ci --no-audit --no-fund

# Browser tests of the web client and the service worker (Playwright with
# Debian's Chromium), one file at a time after the Go tests.
test-browser: wasm browser-deps
	$(GO) build -o bin/server ./server
	cd tests/browser && OXLITE_SERVER_BIN=$(CURDIR)/bin/server node --test --test-concurrency=1 --test-timeout=900000 *.test.mjs

bench-browser: wasm browser-deps
	$(GO) build -o bin/server ./server
	cd tests/browser && OXLITE_SERVER_BIN=$(CURDIR)/bin/server node bench.mjs

# Figures beside their baselines from the same run (DESIGN.md §6).
bench: wasm browser-deps
	$(GO) run ./tests/bench
	$(GO) build -o bin/server ./server
	cd tests/browser && OXLITE_SERVER_BIN=$(CURDIR)/bin/server node bench.mjs
