//go:build js

package syncer

import (
	"net/http"
	"time"
)

// newHTTPClient uses Go's fetch transport, which sends the origin's
// cookies with same-origin requests.
func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 60 * time.Second}
}
