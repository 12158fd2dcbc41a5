//go:build js && wasm && !offline

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"syscall/js"

	// The browser has no zoneinfo files; OX Time values need the user's zone.
	_ "time/tzdata"

	// Registers the memdb VFS that storage.MemoryDSN names.
	_ "github.com/ncruces/go-sqlite3/vfs/memdb"

	"oxlite/core/app"
	"oxlite/storage"
)

// handlerName is the global the service worker calls for /ajax requests.
const handlerName = "oxliteHandle"

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	h, err := boot(context.Background(), log)
	if err != nil {
		log.Error("oxlite boot failed", "err", err)
		exportError(handlerName, fmt.Errorf("oxlite boot failed: %w", err))
	} else {
		export(handlerName, h)
	}
	// sw.js may pass a callback to learn when the handler is installed.
	if ready := js.Global().Get("oxliteReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	// One Go instance per worker lifetime: main must never return.
	select {}
}

// boot opens the local store and assembles the same facade the native
// server mounts. The database lives in memory for now; IndexedDB
// persistence replaces the DSN later.
func boot(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN("oxlite")})
	if err != nil {
		return nil, err
	}
	cfg := app.Defaults()
	// Requests reaching the worker carry no cookies (DESIGN.md §4).
	cfg.TrustLocal = true
	a := app.New(db, cfg, log)
	return mount(a.Handler()), nil
}
