package syncit

import (
	"context"
	"os"
	"testing"

	"oxlite/syncer/syncbench"
)

// TestSyncBench prints the sync figures of DESIGN.md §6 against the real
// server binary. It takes a while (100,000 local objects, 10,000 contacts
// on the server), so it runs only with OXLITE_SYNC_BENCH=1:
//
//	OXLITE_SYNC_BENCH=1 go test ./tests/sync -run TestSyncBench -v
func TestSyncBench(t *testing.T) {
	if os.Getenv("OXLITE_SYNC_BENCH") == "" {
		t.Skip("set OXLITE_SYNC_BENCH=1 to measure")
	}
	s := StartServer(t)
	s.AddUser("bench", "pw-bench")
	fig, err := syncbench.Run(context.Background(), syncbench.Options{API: s.URL + "/ajax", Login: "bench", Password: "pw-bench",
		Out: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	for size, d := range fig.Push10 {
		if d <= 0 || fig.Pull10[size] <= 0 {
			t.Fatalf("no figure for %d objects", size)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
