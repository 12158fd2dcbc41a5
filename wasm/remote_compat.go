//go:build !js || offline

package main

import "net/http"

// remoteClient hands the host's client to syncer.Remote.
//
// TODO(syncer): Remote.HTTP is an *http.Client today, so the host's fetch
// client is wrapped in one, which links net/http's client Transport and
// its TLS stack into the wasm (~0.9 MB brotli, over the 4.5 MB budget).
// Once Remote.HTTP is an interface with Do (and the syncer has no
// http.DefaultClient fallback under js), this becomes `return d`.
func remoteClient(d Doer) *http.Client {
	if c, ok := d.(*http.Client); ok {
		return c
	}
	return &http.Client{Transport: doerTransport{d}}
}

type doerTransport struct{ d Doer }

func (t doerTransport) RoundTrip(r *http.Request) (*http.Response, error) { return t.d.Do(r) }
