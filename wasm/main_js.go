//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"syscall/js"
	"time"

	// The browser has no zoneinfo files; OX Time values need the user's zone.
	_ "time/tzdata"

	"github.com/ncruces/go-sqlite3/vfs"

	"oxlite/storage"
	"oxlite/wasm/idbvfs"
)

// handlerName is the global the service worker calls for /ajax requests.
const handlerName = "oxliteHandle"

// The store: IndexedDB database idbName through the VFS vfsName, whose
// main file is /oxlite.db.
const (
	idbName  = "oxlite-16k"
	vfsName  = "idb"
	storeDSN = "file:/oxlite.db?vfs=" + vfsName +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(on)&_txlock=immediate"
)

// The boot protocol with sw.js, through globalThis.oxliteHooks:
//   - Go sets oxliteWarm() → Promise (install waits for it) at once;
//   - awaits hooks.lock() (navigator.locks "oxlite-db": one worker version
//     writes the store at a time);
//   - restores the store from IndexedDB (hooks.idb), opens it, sets
//     oxliteHandle(Request) → Promise<Response> and oxliteEvent(name),
//     and calls hooks.ready(bootStats), or hooks.failed(message);
//   - posts sync state changes through hooks.notify(json);
//   - gives the store up when hooks.onLockLost is called.
func main() {
	// When main starts, on the worker's clock (performance.now()): the
	// time from instantiation to here is the Go runtime's and the
	// packages' initialisation, part of every worker restart.
	mainAt := js.Global().Get("performance").Call("now").Float()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	ctx := context.Background()
	js.Global().Set("oxliteWarm", js.FuncOf(func(js.Value, []js.Value) any {
		return newPromise(func() (js.Value, error) {
			start := time.Now()
			if err := warmUp(ctx, log); err != nil {
				return js.Undefined(), err
			}
			return js.ValueOf(float64(time.Since(start).Milliseconds())), nil
		})
	}))
	hooks := js.Global().Get("oxliteHooks")
	h, stats, err := start(ctx, log, hooks)
	if err != nil {
		log.Error("oxlite boot failed", "err", err)
		exportError(handlerName, fmt.Errorf("oxlite boot failed: %w", err))
		if hooks.Type() == js.TypeObject {
			hooks.Call("failed", err.Error())
		}
		select {}
	}
	stats["main_ms"] = mainAt
	export(handlerName, h)
	js.Global().Set("oxliteEvent", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 && args[0].Type() == js.TypeString {
			name := args[0].String()
			go h.Event(name)
		}
		return nil
	}))
	hooks.Set("onLockLost", js.FuncOf(func(js.Value, []js.Value) any {
		go h.Close()
		return nil
	}))
	// oxliteStoreStats() tells tests and benchmarks what the store did.
	js.Global().Set("oxliteStoreStats", js.FuncOf(func(js.Value, []js.Value) any {
		s := storeStats()
		return js.ValueOf(map[string]any{"syncs": float64(s.Syncs), "chunks": float64(s.Chunks),
			"failures": float64(s.Failures), "quota_failures": float64(s.QuotaFailures),
			"flush_ms": float64(s.FlushTime.Microseconds()) / 1000})
	}))
	hooks.Call("ready", js.ValueOf(stats))
	// One Go instance per worker lifetime: main must never return.
	select {}
}

// current is the open store's file; storeStats reads its counters.
var (
	current    atomic.Pointer[idbvfs.DB]
	storeStats = func() idbvfs.Stats { return idbvfs.Stats{} }
)

// start waits for the store's lock, restores the store and starts the
// host. stats are the restore's figures (ms and bytes) for sw.js.
func start(ctx context.Context, log *slog.Logger, hooks js.Value) (*Host, map[string]any, error) {
	if hooks.Type() != js.TypeObject {
		return nil, nil, fmt.Errorf("globalThis.oxliteHooks is missing (not started by sw.js)")
	}
	t0 := time.Now()
	if _, err := await(hooks.Call("lock")); err != nil {
		return nil, nil, fmt.Errorf("waiting for the store's lock: %w", err)
	}
	t1 := time.Now()
	store, size, img, idbMs, ok := preloaded(hooks, idbName)
	if !ok {
		var err error
		if store, err = openIDB(hooks, idbName); err != nil {
			return nil, nil, err
		}
		if size, img, err = store.load(); err != nil {
			return nil, nil, err
		}
		idbMs = float64(time.Since(t1).Microseconds()) / 1000
	}
	t2 := time.Now()
	v := idbvfs.NewVFS()
	vfs.Register(vfsName, v)
	storeStats = func() idbvfs.Stats {
		if d := current.Load(); d != nil {
			return d.Stats()
		}
		return idbvfs.Stats{}
	}
	restored := true
	open := func(ctx context.Context) (*storage.DB, error) {
		if !restored {
			var err error
			if size, img, err = store.load(); err != nil {
				return nil, err
			}
		}
		restored = false
		d := idbvfs.New(store, size, img)
		img = nil
		current.Store(d)
		v.Set("/oxlite.db", d)
		return storage.Open(ctx, storage.WorkerOptions(storeDSN, 4))
	}
	h := NewHost(HostConfig{
		Origin: js.Global().Get("location").Get("origin").String(),
		Client: &fetchClient{Timeout: 60 * time.Second},
		Open:   open,
		Wipe: func(ctx context.Context) error {
			v.Set("/oxlite.db", nil)
			return store.drop(ctx)
		},
		Notify: func(msg []byte) { hooks.Call("notify", string(msg)) },
		// A few ms between chunks of bulk sync work return to the event
		// loop, so fetch events are answered meanwhile.
		Yield:         func() { time.Sleep(4 * time.Millisecond) },
		QuotaFailures: func() uint64 { return storeStats().QuotaFailures },
		Log:           log,
	})
	if err := h.Start(ctx); err != nil {
		return nil, nil, err
	}
	t3 := time.Now()
	stats := map[string]any{
		"lock_ms":    float64(t1.Sub(t0).Microseconds()) / 1000,
		"restore_ms": float64(t2.Sub(t1).Microseconds()) / 1000,
		"preloaded":  ok,
		"idb_ms":     idbMs,
		"open_ms":    float64(t3.Sub(t2).Microseconds()) / 1000,
		"bytes":      float64(size),
	}
	log.Info("oxlite store open", "bytes", size, "restore", t2.Sub(t1), "open", t3.Sub(t2), "lock", t1.Sub(t0))
	return h, stats, nil
}
