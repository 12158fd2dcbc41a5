package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"oxlite/core/app"
	"oxlite/storage"
	"oxlite/web"
)

func serve(args []string) int {
	cfg := app.Defaults()
	var listen, data, tokenSecrets string
	var logLevel string
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	serveFlags(fs, &cfg, &listen, &data, &tokenSecrets)
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		if err == errHelp {
			return 0
		}
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "error: "+err.Error())
		}
		return 1
	}
	cfg.TokenSecrets = splitList(tokenSecrets)
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "error: --log-level: "+err.Error())
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openData(ctx, data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error: "+oneLine(err.Error()))
		return 1
	}
	defer db.Close()
	if cfg.CookieSalt, err = cookieSalt(ctx, db, cfg.CookieSalt); err != nil {
		fmt.Fprintln(os.Stderr, "error: "+oneLine(err.Error()))
		return 1
	}
	cfg.Blobs = storage.DirBlobs{Dir: filepath.Join(data, "blobs")}
	a := app.New(db, cfg, log)

	mux := http.NewServeMux()
	api := a.Handler()
	mux.Handle("/ajax/", http.StripPrefix("/ajax", api))
	mux.Handle("/appsuite/api/", http.StripPrefix("/appsuite/api", api))
	mux.Handle("/", web.Handler())

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error: "+oneLine(err.Error()))
		return 1
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	go pruneLoop(ctx, a, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("server stopped", "err", err)
			return 1
		}
	case <-ctx.Done():
		log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	return 0
}

// pruneLoop applies the tombstone retention, empties the blob trash and
// refreshes the planner's statistics once an hour (and at start).
func pruneLoop(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		cutoff := time.Now().Add(-a.Cfg.TombstoneRetention).UnixMilli()
		if n, err := a.DB.PruneTombstones(ctx, cutoff); err != nil {
			log.Warn("pruning tombstones", "err", err)
		} else if n > 0 {
			log.Info("pruned tombstones", "count", n)
		}
		// Blobs of rows deleted in bulk (folder clear/delete) wait in the
		// trash until nothing can roll back their removal.
		if n, err := a.DB.EmptyBlobTrash(ctx, a.Blobs, 10000); err != nil {
			log.Warn("emptying blob trash", "err", err)
		} else if n > 0 {
			log.Info("deleted trashed blobs", "count", n)
		}
		if err := a.DB.Optimize(ctx); err != nil {
			log.Warn("refreshing planner statistics", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
