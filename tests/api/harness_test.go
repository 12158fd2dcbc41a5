package api

import (
	"net/url"
	"os"
	"testing"

	"oxlite/tests/harness"
)

// The black-box harness lives in oxlite/tests/harness; these names keep
// the tests short.
type (
	Server = harness.Server
	Client = harness.Client
	Result = harness.Result
)

var (
	StartServer = harness.StartServer
	MustOK      = harness.MustOK
	MustCode    = harness.MustCode
)

func kvs(kv ...string) url.Values { return harness.KV(kv...) }

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
