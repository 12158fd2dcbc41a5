package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ncruces/go-sqlite3/vfs/memdb"

	"oxlite/core/app"
	"oxlite/core/oxlitesync"
	"oxlite/core/session"
	"oxlite/storage"
	"oxlite/syncer"
)

// warmUp runs the common requests once over a throwaway in-memory store,
// so that the browser compiles their code (wasm-spike.md: the first
// CREATE TABLE of a fresh install costs seconds of lazy compilation)
// before the worker is installed, and without the store's lock: a new
// worker version warms up while the old one still owns the store.
func warmUp(ctx context.Context, log *slog.Logger) error {
	name := "oxlite-warmup-" + session.NewID()
	defer memdb.Delete(name)
	db, err := storage.Open(ctx, storage.WorkerOptions(storage.MemoryDSN(name), 2))
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := app.Defaults()
	cfg.TrustLocal = true
	a := app.New(db, cfg, log)
	remote := syncer.NewRemote("http://warmup.invalid/ajax")
	// The sync never leaves the worker.
	remote.HTTP = remoteClient(noClient{})
	eng, err := syncer.New(ctx, syncer.Config{DB: db, Remote: remote, Log: log})
	if err != nil {
		return err
	}
	syncer.NewRecorder(eng, a.Mux)
	(&oxlitesync.Module{Sync: eng}).Register(a.Mux)
	sid := session.NewID()
	if err := eng.Attach(ctx, syncer.Account{Session: sid, UserID: 3, ContextID: 1, Login: "warmup", Locale: "en_US"}); err != nil {
		return err
	}
	h := mount(a.Handler())
	do := func(method, target, body string) (string, error) {
		r, err := (&fetchRequest{Method: method, URL: "http://warmup/ajax/" + target + "&session=" + sid, Body: []byte(body),
			Header: [][2]string{{"Content-Type", "text/javascript; charset=UTF-8"}}}).toHTTP(ctx)
		if err != nil {
			return "", err
		}
		res := serve(h, r)
		if res.Status != http.StatusOK || bytes.Contains(res.Body, []byte(`"error"`)) {
			return "", fmt.Errorf("warm-up %s: %d %.200s", target, res.Status, res.Body)
		}
		return string(res.Body), nil
	}
	out, err := do("PUT", "folders?action=new&folder_id=1&tree=1", `{"title":"warm-up","module":"contacts"}`)
	if err != nil {
		return err
	}
	var created struct{ Data json.RawMessage }
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		return err
	}
	folder := strings.Trim(string(created.Data), `"`)
	steps := [][3]string{
		{"PUT", "contacts?action=new", `{"folder_id":` + folder + `,"first_name":"Warm","last_name":"Up","email1":"w@example.org"}`},
		{"GET", "folders?action=allVisible&content_type=contacts&tree=1&columns=1,20,300,301", ""},
		{"GET", "contacts?action=all&folder=" + folder + "&columns=1,20,500,501,502,555&sort=502&order=asc", ""},
		{"GET", "oxlite/sync?action=state", ""},
	}
	for _, s := range steps {
		if _, err := do(s[0], s[1], s[2]); err != nil {
			return err
		}
	}
	return nil
}
