//go:build !js

package syncer

import (
	"net/http"
	"net/http/cookiejar"
	"time"
)

// newHTTPClient keeps the session's cookies natively; in the browser the
// fetch carries the origin's cookies instead.
func newHTTPClient() Doer {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 60 * time.Second}
}
