package api

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"

	_ "github.com/ncruces/go-sqlite3/driver"
)

// dbDefaultFolders reads the user's default folders straight from the
// server's database (read-only), to check what the API derives from them.
func dbDefaultFolders(t *testing.T, s *Server, uid int64) map[string]float64 {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(s.Data, "oxlite.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT module, id FROM folders WHERE owner = ? AND default_type <> 0 AND type = 1`, uid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var module string
		var id int64
		if err := rows.Scan(&module, &id); err != nil {
			t.Fatal(err)
		}
		out[module] = float64(id)
	}
	if len(out) != 4 {
		t.Fatalf("user %d has %d default folders in the database, want 4: %v", uid, len(out), out)
	}
	return out
}

// obj returns the data object of an answer or fails.
func dataObj(t *testing.T, r *Result) map[string]any {
	t.Helper()
	MustOK(t, r)
	m, ok := r.Data().(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.Body)
	}
	return m
}

// dataArr returns the data array of an answer or fails.
func dataArr(t *testing.T, r *Result) []any {
	t.Helper()
	MustOK(t, r)
	a, ok := r.Data().([]any)
	if !ok {
		t.Fatalf("data is not an array: %s", r.Body)
	}
	return a
}

// capIDs lists the ids of capabilities?action=all.
func capIDs(t *testing.T, c *Client) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, x := range dataArr(t, c.Get("capabilities", "action", "all")) {
		out[x.(map[string]any)["id"].(string)] = true
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
