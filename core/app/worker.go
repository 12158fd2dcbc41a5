//go:build js

package app

// serverParts is empty in the service worker: it forwards the server-only
// modules (freebusy, find, import, export, snippet, sync) to the server.
type serverParts struct{}

func registerServerOnly(*App) {}
