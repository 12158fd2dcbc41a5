//go:build js

package syncer

// newHTTPClient is nil in the browser: the worker host sets Remote.HTTP to
// its fetch client, which carries the origin's cookies.
func newHTTPClient() Doer { return nil }
