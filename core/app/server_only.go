//go:build !js

package app

import (
	"oxlite/core/exports"
	"oxlite/core/find"
	"oxlite/core/imports"
	"oxlite/core/jslob"
	"oxlite/core/snippet"
	oxsync "oxlite/core/sync"
)

// serverParts are the modules only the native server carries. The service
// worker forwards their requests to the server, so their code (and the
// iCalendar, vCard and charset libraries) stays out of the worker's wasm.
type serverParts struct {
	// Find is the find module; a module that lands (the calendar) adds
	// its provider to Find.Providers.
	Find *find.Module
}

func registerServerOnly(a *App) {
	db, mux := a.DB, a.Mux
	// freebusy answers from other users' calendars, which the worker's
	// store does not hold.
	a.Calendar.RegisterFreeBusy(mux)
	(&oxsync.Module{DB: db, Contents: a.contents}).Register(mux)
	(&snippet.Module{DB: db, Blobs: a.Blobs}).Register(mux)
	// import/export and find reach contacts and tasks through their modules.
	(&imports.Module{Folders: imports.DBFolders{DB: db}, Contacts: a.Contacts, Tasks: a.Tasks, Calendar: a.Calendar}).Register(mux)
	(&exports.Module{Folders: imports.DBFolders{DB: db}, Contacts: a.Contacts, Tasks: a.Tasks, Calendar: a.Calendar}).Register(mux)
	a.Find = &find.Module{Providers: map[string]find.Provider{
		"contacts": &find.Contacts{DB: db, Contacts: a.Contacts},
		"tasks":    &find.Tasks{DB: db, Tasks: a.Tasks, Contacts: a.Contacts},
		"calendar": &find.Calendar{DB: db, Calendar: a.Calendar, Contacts: a.Contacts},
	}}
	a.Find.Register(mux)
	// The 7.8 UI offers find only in apps listed in io.ox/core search/modules.
	core := a.JSlob.Defaults(jslob.CoreID)
	a.JSlob.SetDefaults(jslob.CoreID, func(u *jslob.User) map[string]any {
		t := core(u)
		t["search"] = map[string]any{"modules": a.Find.Modules()}
		return t
	})
}
