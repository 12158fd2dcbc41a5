package main

import (
	"context"
	"os"

	"oxlite/core/provision"
	"oxlite/syncer/syncbench"
)

// The offline syncer's figures (DESIGN.md §6 "Sync"): push and pull of 10
// changes with 1,000 vs 100,000 objects stored locally, and the initial
// sync of 10,000 contacts, measured against the same in-process server with
// a user of its own so the other benchmarks' data stays out of it.
func init() {
	extras = append(extras, Extra{Name: "sync", Run: benchSync})
}

func benchSync(e *Env) error {
	ctx := context.Background()
	c, err := e.DB.ContextByName(ctx, provision.DefaultContext)
	if err != nil {
		return err
	}
	if _, err := (&provision.Service{DB: e.DB}).AddUser(ctx, c.ID, provision.NewUser{Login: "syncbench", Password: "syncbench-pw"}); err != nil {
		return err
	}
	_, err = syncbench.Run(ctx, syncbench.Options{API: e.URL + "/ajax", Login: "syncbench", Password: "syncbench-pw", Out: os.Stdout})
	return err
}
