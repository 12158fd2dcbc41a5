package api

import (
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
)

// The column list the App Suite UI requests for every folder listing.
var fldCols = []int{1, 2, 3, 4, 5, 6, 20, 23, 300, 301, 302, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315,
	316, 317, 3010, 3020, 3030, 3050}

const fldColsParam = "1,2,3,4,5,6,20,23,300,301,302,304,305,306,307,308,309,310,311,312,313,314,315,316,317,3010,3020,3030,3050"

// Permission bits used below.
const (
	fldAllBits  = 403710016        // everything + admin
	fldReadBits = 1 | 2<<7 | 1<<14 // see folder, read all, write own
	fldSeeRead  = 1 | 2<<7         // see folder, read all
	fldSubBits  = 4 | 2<<7 | 2<<14 // create subfolders, read and write all
	fldRootPriv = 4                // folder 1 for all users: create subfolders
	fldGABBits  = 1 | 2<<7 | 1<<14 // folder 6 for all users
)

type fldRow map[int]any

func (r fldRow) id() string      { s, _ := r[1].(string); return s }
func (r fldRow) parent() string  { s, _ := r[20].(string); return s }
func (r fldRow) title() string   { s, _ := r[300].(string); return s }
func (r fldRow) num(col int) int { f, _ := r[col].(float64); return int(f) }

// fldRowsOf decodes positional folder rows and checks each has every column.
func fldRowsOf(t *testing.T, rows []any, cols []int) []fldRow {
	t.Helper()
	out := make([]fldRow, 0, len(rows))
	for _, x := range rows {
		arr, ok := x.([]any)
		if !ok {
			t.Fatalf("row is not an array: %v", x)
		}
		if len(arr) != len(cols) {
			t.Fatalf("row has %d values for %d columns: %v", len(arr), len(cols), arr)
		}
		r := fldRow{}
		for i, c := range cols {
			r[c] = arr[i]
		}
		out = append(out, r)
	}
	return out
}

func fldRows(t *testing.T, res *Result) []fldRow {
	t.Helper()
	MustOK(t, res)
	rows, ok := res.Data().([]any)
	if !ok {
		t.Fatalf("data is not an array: %s", res.Body)
	}
	return fldRowsOf(t, rows, fldCols)
}

// fldUI adds what the UI sends with every folder call.
func fldUI(tree string, kv ...string) []string {
	return append([]string{"action", kv[1], "tree", tree, "altNames", "true", "timezone", "UTC"}, kv[2:]...)
}

func fldList(t *testing.T, c *Client, tree, parent string) ([]fldRow, *Result) {
	t.Helper()
	res := c.Get("folders", fldUI(tree, "action", "list", "all", "1", "parent", parent, "columns", fldColsParam)...)
	return fldRows(t, res), res
}

func fldFind(rows []fldRow, id string) fldRow {
	for _, r := range rows {
		if r.id() == id {
			return r
		}
	}
	return nil
}

func fldIDs(rows []fldRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.id()
	}
	return out
}

func fldNew(t *testing.T, c *Client, parent string, body any, extra ...string) string {
	t.Helper()
	res := MustOK(t, c.Put("folders", body, append([]string{"action", "new", "folder_id", parent, "tree", "1"}, extra...)...))
	id, ok := res.Data().(string)
	if !ok || id == "" {
		t.Fatalf("new did not answer an id string: %s", res.Body)
	}
	if _, ok := res.Obj["timestamp"].(float64); !ok {
		t.Fatalf("new without timestamp: %s", res.Body)
	}
	return id
}

func fldGet(t *testing.T, c *Client, tree, id string) map[string]any {
	t.Helper()
	res := MustOK(t, c.Get("folders", fldUI(tree, "action", "get", "id", id)...))
	obj, ok := res.Data().(map[string]any)
	if !ok {
		t.Fatalf("get data is not an object: %s", res.Body)
	}
	if ts, _ := res.Obj["timestamp"].(float64); ts != obj["last_modified_utc"] {
		t.Fatalf("get timestamp %v != last_modified_utc %v", res.Obj["timestamp"], obj["last_modified_utc"])
	}
	return obj
}

func fldUpdate(c *Client, id string, folder map[string]any, kv ...string) *Result {
	return c.Put("folders", map[string]any{"folder": folder}, append([]string{"action", "update", "id", id, "timezone", "UTC", "tree", "1"}, kv...)...)
}

func fldDelete(c *Client, ids []string, kv ...string) *Result {
	return c.Put("folders", ids, append([]string{"action", "delete", "tree", "1"}, kv...)...)
}

// fldWarned accepts an answer with data whose error fields are warnings
// (ids a delete or clear could not process).
func fldWarned(t *testing.T, r *Result) *Result {
	t.Helper()
	if r.Status != http.StatusOK || r.Obj == nil || r.Obj["data"] == nil {
		t.Fatalf("HTTP %d: %s", r.Status, r.Body)
	}
	if r.Obj["error"] != nil && r.Obj["categories"] != "WARNING" {
		t.Fatalf("error answer: %s", r.Body)
	}
	return r
}

func fldPerm(bits int, entity int64, group bool) map[string]any {
	return map[string]any{"bits": bits, "entity": entity, "group": group}
}

func fldStrs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func fldHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fldTS(t *testing.T, r *Result) int64 {
	t.Helper()
	ts, ok := r.Obj["timestamp"].(float64)
	if !ok {
		t.Fatalf("no timestamp: %s", r.Body)
	}
	return int64(ts)
}

func TestFoldersTreesAndColumns(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw", "--display-name", "Alice A")
	c := s.Login("alice", "pw")

	for _, tree := range []string{"0", "1"} {
		res := c.Get("folders", fldUI(tree, "action", "root", "columns", fldColsParam)...)
		root := fldRows(t, res)
		if got := strings.Join(fldIDs(root), ","); got != "1,2,3,9" {
			t.Fatalf("tree %s root = %s", tree, got)
		}
		for _, r := range root {
			if r.num(302) != 5 || r.parent() != "0" || (r[304] != true && r.id() != "3") {
				t.Errorf("tree %s root folder %v", tree, r)
			}
		}
		if fldFind(root, "1").num(305) != fldRootPriv || fldFind(root, "3").num(305) != 1 {
			t.Errorf("own_rights of system folders: %v / %v", fldFind(root, "1")[305], fldFind(root, "3")[305])
		}
		if fldFind(root, "1")[301] != "system" || fldFind(root, "9")[301] != "infostore" {
			t.Errorf("modules of root folders")
		}
		if fldFind(root, "3")[304] != false {
			t.Errorf("shared folder must have no subfolders yet: %v", fldFind(root, "3")[304])
		}
	}

	priv, res := fldList(t, c, "1", "1")
	if got := strings.Join(func() []string {
		var s []string
		for _, r := range priv {
			s = append(s, r.title())
		}
		return s
	}(), ","); got != "Calendar,Contacts,Tasks" {
		t.Fatalf("private folders: %s", got)
	}
	var maxTS float64
	wantType := map[string]int{"Calendar": 2, "Contacts": 3, "Tasks": 1}
	wantModule := map[string]string{"Calendar": "calendar", "Contacts": "contacts", "Tasks": "tasks"}
	for _, r := range priv {
		if r.parent() != "1" || r.num(302) != 1 || r[308] != true || r.num(316) != wantType[r.title()] || r[301] != wantModule[r.title()] {
			t.Errorf("default folder row %v", r)
		}
		if r.num(305) != fldAllBits {
			t.Errorf("own_rights %v", r[305])
		}
		perms, _ := r[306].([]any)
		if len(perms) != 1 {
			t.Fatalf("permissions %v", r[306])
		}
		p := perms[0].(map[string]any)
		if p["bits"] != float64(fldAllBits) || p["entity"] != float64(uid) || p["group"] != false {
			t.Errorf("permission %v", p)
		}
		if r[314] != true || r[304] != false || r[315] != false || r[309] != float64(0) || r[2] != float64(uid) {
			t.Errorf("flags %v", r)
		}
		caps, _ := r[317].([]any)
		if len(caps) != 1 || caps[0] != "permissions" {
			t.Errorf("supported_capabilities %v", r[317])
		}
		if r[4] == nil || r[5] == nil || r[6] != r[5] {
			t.Errorf("times with timezone=UTC: %v %v %v", r[4], r[5], r[6])
		}
		maxTS = max(maxTS, r[6].(float64))
	}
	if res.Obj["timestamp"] != maxTS {
		t.Errorf("list timestamp %v, newest folder %v", res.Obj["timestamp"], maxTS)
	}

	pub, _ := fldList(t, c, "1", "2")
	gab := fldFind(pub, "6")
	if gab == nil || gab[301] != "contacts" || gab.num(302) != 2 || gab.num(305) != fldGABBits || gab[308] != false {
		t.Fatalf("global address book: %v", gab)
	}
	if gab.num(309) < 2 { // admin and alice
		t.Errorf("GAB total %v", gab[309])
	}

	// Tree 1 shows the home folder below 9; tree 0 keeps it below 10.
	inf1, _ := fldList(t, c, "1", "9")
	if got := strings.Join(fldIDs(inf1), ","); !strings.HasSuffix(got, ",10,15") || len(inf1) != 3 {
		t.Fatalf("tree 1 infostore: %s", got)
	}
	home := inf1[len(inf1)-3]
	if home.title() != "My files" || home.parent() != "9" || home.num(316) != 8 || fldFind(inf1, "10").title() != "Shared files" ||
		fldFind(inf1, "15").title() != "Public files" {
		t.Errorf("tree 1 infostore rows: %v", inf1)
	}
	if us, _ := fldList(t, c, "1", "10"); len(us) != 0 {
		t.Errorf("tree 1 userstore lists %v", fldIDs(us))
	}
	res = c.Get("folders", "action", "list", "parent", "9", "columns", "1,300")
	MustOK(t, res)
	if got := fmt.Sprint(res.Data()); got != "[[10 Userstore] [15 Public infostore]]" {
		t.Errorf("tree 0 infostore without altNames: %s", got)
	}
	res = c.Get("folders", "action", "list", "parent", "10", "columns", "1,20,300")
	if got := fmt.Sprint(MustOK(t, res).Data()); got != fmt.Sprintf("[[%s 10 Alice A]]", home.id()) {
		t.Errorf("tree 0 userstore: %s", got)
	}

	// get: named fields, nulls left out.
	var contacts fldRow
	for _, r := range priv {
		if r.title() == "Contacts" {
			contacts = r
		}
	}
	obj := fldGet(t, c, "1", contacts.id())
	for _, k := range []string{"id", "folder_id", "title", "module", "type", "subfolders", "own_rights", "permissions",
		"standard_folder", "standard_folder_type", "total", "subscribed", "supported_capabilities", "created_by", "last_modified",
		"last_modified_utc", "creation_date", "capabilities"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("get lacks %q: %v", k, obj)
		}
	}
	for k, v := range obj {
		if v == nil {
			t.Errorf("get has null field %q", k)
		}
	}
	for _, k := range []string{"summary", "account_id", "com.openexchange.imap.extAccount"} {
		if _, ok := obj[k]; ok {
			t.Errorf("get has %q although it is null", k)
		}
	}
	if obj["id"] != contacts.id() || obj["folder_id"] != "1" || obj["title"] != "Contacts" || obj["standard_folder_type"] != float64(3) {
		t.Errorf("get object %v", obj)
	}
	// Time columns follow the timezone parameter; last_modified_utc does not.
	res = MustOK(t, c.Get("folders", "action", "get", "id", contacts.id(), "timezone", "America/New_York"))
	o := res.Data().(map[string]any)
	utc := int64(o["last_modified_utc"].(float64))
	loc, _ := time.LoadLocation("America/New_York")
	_, off := time.UnixMilli(utc).In(loc).Zone()
	if int64(o["last_modified"].(float64)) != utc+int64(off)*1000 {
		t.Errorf("last_modified %v, utc %d, offset %d", o["last_modified"], utc, off)
	}

	// path: from the folder up to, not including, the root.
	res = c.Get("folders", fldUI("1", "action", "path", "id", contacts.id(), "columns", fldColsParam)...)
	if got := strings.Join(fldIDs(fldRows(t, res)), ","); got != contacts.id()+",1" {
		t.Errorf("path %s", got)
	}
	res = c.Get("folders", fldUI("1", "action", "path", "id", home.id(), "columns", "1")...)
	if got := fmt.Sprint(MustOK(t, res).Data()); got != fmt.Sprintf("[[%s] [9]]", home.id()) {
		t.Errorf("tree 1 path of home %s", got)
	}

	// allVisible for the flat modules.
	for mod, title := range map[string]string{"contacts": "Contacts", "calendar": "Calendar", "tasks": "Tasks"} {
		res := MustOK(t, c.Get("folders", fldUI("1", "action", "allVisible", "content_type", mod, "columns", fldColsParam)...))
		data, _ := res.Data().(map[string]any)
		if data == nil {
			t.Fatalf("allVisible %s: %s", mod, res.Body)
		}
		privRows := fldRowsOf(t, data["private"].([]any), fldCols)
		pubRows := fldRowsOf(t, data["public"].([]any), fldCols)
		shared := fldRowsOf(t, data["shared"].([]any), fldCols)
		if len(privRows) != 1 || privRows[0].title() != title || len(shared) != 0 {
			t.Errorf("allVisible %s: %s", mod, res.Body)
		}
		if mod == "contacts" && (len(pubRows) != 1 || pubRows[0].id() != "6") {
			t.Errorf("allVisible contacts public: %v", pubRows)
		}
		if mod != "contacts" && len(pubRows) != 0 {
			t.Errorf("allVisible %s public: %v", mod, pubRows)
		}
	}
	MustCode(t, c.Get("folders", "action", "allVisible", "columns", "1"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "allVisible", "content_type", "nonsense", "columns", "1"), "FLD-1018")
	MustCode(t, c.Get("folders", "action", "allVisible", "content_type", "contacts"), "SVL-0002")

	// Errors.
	MustCode(t, c.Get("folders", "action", "list", "parent", "1", "columns", "1", "tree", "7"), "FLD-1031")
	MustCode(t, c.Get("folders", "action", "get", "id", "1", "tree", "x"), "FLD-1031")
	MustCode(t, c.Get("folders", "action", "get", "id", "987654"), "FLD-0008")
	MustCode(t, c.Get("folders", "action", "get", "id", "abc"), "FLD-0008")
	MustCode(t, c.Get("folders", "action", "get", "id", "4"), "FLD-0008")
	MustCode(t, c.Get("folders", "action", "get"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "list", "columns", "1"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "list", "parent", "1"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "list", "parent", "987654", "columns", "1"), "FLD-0008")
	MustCode(t, c.Get("folders", "action", "root"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "path", "id", "1"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "updates", "parent", "1", "columns", "1"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "updates", "timestamp", "0", "columns", "1"), "SVL-0002")
	MustCode(t, c.Get("folders", "action", "shares", "columns", "1"), "SVL-0002")
	// A column the server does not know is null, never dropped.
	res = MustOK(t, c.Get("folders", "action", "list", "parent", "1", "columns", "1,99999,300"))
	for _, r := range res.Data().([]any) {
		if a := r.([]any); len(a) != 3 || a[1] != nil {
			t.Errorf("unknown column row %v", a)
		}
	}
}

func TestFoldersCreateRenameMoveDelete(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("alice", "pw")
	c := s.Login("alice", "pw")

	// The UI's shape: unwrapped body, autorename, tree 1.
	work := fldNew(t, c, "1", map[string]any{"module": "contacts", "subscribed": 1, "title": "Work"}, "autorename", "true")
	obj := fldGet(t, c, "1", work)
	if obj["title"] != "Work" || obj["type"] != float64(1) || obj["folder_id"] != "1" || obj["own_rights"] != float64(fldAllBits) ||
		obj["standard_folder"] != false || obj["standard_folder_type"] != float64(0) || obj["module"] != "contacts" {
		t.Fatalf("new folder %v", obj)
	}
	if perms := obj["permissions"].([]any); len(perms) != 1 || perms[0].(map[string]any)["entity"] != float64(uid) {
		t.Fatalf("new folder permissions %v", obj["permissions"])
	}
	work2 := fldNew(t, c, "1", map[string]any{"module": "contacts", "title": "Work"}, "autorename", "true")
	if got := fldGet(t, c, "1", work2)["title"]; got != "Work (2)" {
		t.Fatalf("autorename gave %v", got)
	}
	// The spec's wrapped shape; a duplicate name without autorename fails.
	MustCode(t, c.Put("folders", map[string]any{"folder": map[string]any{"module": "contacts", "title": "work"}},
		"action", "new", "folder_id", "1"), "FLD-1014")
	sub := fldNew(t, c, work, map[string]any{"folder": map[string]any{"title": "Sub"}, "notification": map[string]any{"message": "x"}})
	if o := fldGet(t, c, "1", sub); o["module"] != "contacts" || o["folder_id"] != work {
		t.Fatalf("subfolder inherits the module: %v", o)
	}
	if o := fldGet(t, c, "1", work); o["subfolders"] != true {
		t.Fatalf("parent must report subfolders: %v", o)
	}
	rows, _ := fldList(t, c, "1", work)
	if len(rows) != 1 || rows[0].id() != sub {
		t.Fatalf("list of Work: %v", rows)
	}

	// Creation errors.
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts"}, "action", "new", "folder_id", "1"), "FLD-0007")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": "  "}, "action", "new", "folder_id", "1"), "FLD-0007")
	MustCode(t, c.Put("folders", map[string]any{"title": "x"}, "action", "new", "folder_id", "1"), "FLD-0007")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": 5}, "action", "new", "folder_id", "1"), "SVL-0009")
	MustCode(t, c.Put("folders", `{"module":"contacts","title":`, "action", "new", "folder_id", "1"), "SVL-0009")
	MustCode(t, c.Put("folders", `["x"]`, "action", "new", "folder_id", "1"), "SVL-0009")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": "x"}, "action", "new"), "SVL-0002")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": "x"}, "action", "new", "folder_id", "3"), "FLD-0006")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": "x"}, "action", "new", "folder_id", "0"), "FLD-0006")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": "x"}, "action", "new", "folder_id", "987654"), "FLD-0008")
	MustCode(t, c.Put("folders", map[string]any{"module": "infostore", "title": "x"}, "action", "new", "folder_id", "1"), "FLD-0014")
	MustCode(t, c.Put("folders", map[string]any{"module": "mail", "title": "x"}, "action", "new", "folder_id", "1"), "FLD-0014")
	MustCode(t, c.Put("folders", map[string]any{"module": "bogus", "title": "x"}, "action", "new", "folder_id", "1"), "FLD-1018")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": strings.Repeat("x", 400)}, "action", "new", "folder_id", "1"), "FLD-0064")
	MustCode(t, c.Put("folders", map[string]any{"module": "contacts", "title": "x"}, "action", "new", "folder_id", "1", "tree", "5"), "FLD-1031")

	// Rename without timestamp (the UI sends none), then with a stale one.
	before := fldGet(t, c, "1", work)["last_modified_utc"].(float64)
	res := MustOK(t, fldUpdate(c, work, map[string]any{"title": "Projects"}))
	if res.Data() != work || float64(fldTS(t, res)) <= before {
		t.Fatalf("update answer %s (before %v)", res.Body, before)
	}
	if got := fldGet(t, c, "1", work)["title"]; got != "Projects" {
		t.Fatalf("renamed title %v", got)
	}
	r := MustCode(t, fldUpdate(c, work, map[string]any{"title": "Again"}, "timestamp", strconv.FormatInt(int64(before), 10)), "FLD-1022")
	if r.Obj["categories"] != "CONFLICT" {
		t.Errorf("conflict category %v", r.Obj["categories"])
	}
	cur := strconv.FormatInt(fldTS(t, res), 10)
	MustOK(t, fldUpdate(c, work, map[string]any{"title": "Projects 2"}, "timestamp", cur))
	MustOK(t, fldUpdate(c, work, map[string]any{"title": "Projects"}, "timestamp", "2116800000000"))
	MustCode(t, fldUpdate(c, work, map[string]any{"title": "Work (2)"}), "FLD-1014")
	MustCode(t, fldUpdate(c, work, map[string]any{"title": ""}), "FLD-0007")
	MustCode(t, c.Put("folders", `{"folder":`, "action", "update", "id", work), "SVL-0009")
	MustCode(t, c.Put("folders", map[string]any{"folder": map[string]any{"title": "x"}}, "action", "update"), "SVL-0002")
	MustCode(t, fldUpdate(c, "987654", map[string]any{"title": "x"}), "FLD-0008")
	MustCode(t, fldUpdate(c, "1", map[string]any{"title": "x"}), "FLD-0010")

	// Default folders can be neither renamed, moved nor deleted.
	privRows, _ := fldList(t, c, "1", "1")
	var contacts string
	for _, r := range privRows {
		if r.title() == "Contacts" {
			contacts = r.id()
		}
	}
	MustCode(t, fldUpdate(c, contacts, map[string]any{"title": "Renamed"}), "FLD-0011")
	MustCode(t, fldUpdate(c, contacts, map[string]any{"folder_id": work}), "FLD-0021")
	// Unchanged title and parent are no change.
	MustOK(t, fldUpdate(c, contacts, map[string]any{"title": "Contacts", "folder_id": "1"}))

	// Move Sub up to the private root, then Projects below Work (2).
	MustOK(t, fldUpdate(c, sub, map[string]any{"folder_id": "1"}))
	if o := fldGet(t, c, "1", sub); o["folder_id"] != "1" {
		t.Fatalf("moved folder parent %v", o["folder_id"])
	}
	if o := fldGet(t, c, "1", work); o["subfolders"] != false {
		t.Errorf("old parent still reports subfolders")
	}
	MustOK(t, fldUpdate(c, work, map[string]any{"folder_id": work2}))
	MustCode(t, fldUpdate(c, work2, map[string]any{"folder_id": work}), "FLD-0045")
	MustCode(t, fldUpdate(c, work2, map[string]any{"folder_id": work2}), "FLD-0028")
	MustCode(t, fldUpdate(c, work2, map[string]any{"folder_id": "2"}), "FLD-0026")
	MustCode(t, fldUpdate(c, work2, map[string]any{"folder_id": "3"}), "FLD-0006")
	MustCode(t, fldUpdate(c, work2, map[string]any{"folder_id": "987654"}), "FLD-0008")
	path := MustOK(t, c.Get("folders", "action", "path", "id", work, "columns", "1", "tree", "1"))
	if got := fmt.Sprint(path.Data()); got != fmt.Sprintf("[[%s] [%s] [1]]", work, work2) {
		t.Errorf("path after move %s", got)
	}

	// A public folder: creator is admin, type 2.
	team := fldNew(t, c, "2", map[string]any{"module": "calendar", "title": "Team"})
	if o := fldGet(t, c, "1", team); o["type"] != float64(2) || o["own_rights"] != float64(fldAllBits) || o["folder_id"] != "2" {
		t.Fatalf("public folder %v", o)
	}
	MustCode(t, fldUpdate(c, team, map[string]any{"folder_id": "1"}), "FLD-0027")

	// Delete: the UI's failOnError form answers [] on success; subfolders go too.
	res = MustOK(t, fldDelete(c, []string{work2}, "failOnError", "true"))
	if got := fmt.Sprint(res.Data()); got != "[]" {
		t.Fatalf("delete answered %s", res.Body)
	}
	MustCode(t, c.Get("folders", "action", "get", "id", work2), "FLD-0008")
	MustCode(t, c.Get("folders", "action", "get", "id", work), "FLD-0008")
	MustCode(t, fldDelete(c, []string{contacts}, "failOnError", "true"), "FLD-0031")
	res = fldWarned(t, fldDelete(c, []string{contacts, "1", "987654", sub}))
	if got := fmt.Sprint(res.Data()); got != fmt.Sprintf("[%s 1 987654]", contacts) {
		t.Fatalf("not deleted %s", res.Body)
	}
	if res.Obj["categories"] != "WARNING" || res.Obj["code"] != "FLD-0031" {
		t.Errorf("warnings of delete: %s", res.Body)
	}
	MustCode(t, c.Get("folders", "action", "get", "id", sub), "FLD-0008")
	// A stale timestamp keeps the folder; a current one deletes it.
	teamTS := int64(fldGet(t, c, "1", team)["last_modified_utc"].(float64))
	res = fldWarned(t, fldDelete(c, []string{team}, "timestamp", strconv.FormatInt(teamTS-1, 10)))
	if got := fldStrs(res.Data()); len(got) != 1 || got[0] != team || res.Obj["code"] != "FLD-1022" {
		t.Fatalf("stale delete %s", res.Body)
	}
	MustOK(t, fldDelete(c, []string{team}, "timestamp", strconv.FormatInt(teamTS, 10)))
	MustCode(t, c.Get("folders", "action", "get", "id", team), "FLD-0008")
	MustCode(t, c.Put("folders", `{"id":"1"}`, "action", "delete"), "SVL-0009")
	MustCode(t, c.Put("folders", `[true]`, "action", "delete"), "SVL-0009")
	MustCode(t, c.Put("folders", `[`, "action", "delete"), "SVL-0009")
	MustCode(t, c.Put("folders", `["1"]`, "action", "delete", "tree", "9"), "FLD-1031")
}

func fldOpenDB(t *testing.T, s *Server) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(s.Data, "oxlite.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFoldersUpdatesAndClear(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	c := s.Login("alice", "pw")
	updates := func(parent string, since int64, kv ...string) ([]fldRow, []string, *Result) {
		t.Helper()
		res := MustOK(t, c.Get("folders", append([]string{"action", "updates", "parent", parent, "timestamp", strconv.FormatInt(since, 10),
			"columns", fldColsParam, "tree", "1", "timezone", "UTC"}, kv...)...))
		var rows []any
		var deleted []string
		for _, x := range res.Data().([]any) {
			switch v := x.(type) {
			case []any:
				rows = append(rows, v)
			case string:
				deleted = append(deleted, v)
			default:
				t.Fatalf("updates element %v", x)
			}
		}
		return fldRowsOf(t, rows, fldCols), deleted, res
	}
	_, res := fldList(t, c, "1", "1")
	t0 := fldTS(t, res)

	// timestamp=0: everything live, no deletions.
	all, del, _ := updates("1", 0)
	if len(all) != 3 || len(del) != 0 {
		t.Fatalf("updates since 0: %d rows, deleted %v", len(all), del)
	}

	a := fldNew(t, c, "1", map[string]any{"module": "tasks", "title": "A"})
	b := fldNew(t, c, "1", map[string]any{"module": "calendar", "title": "B"})
	rows, del, res := updates("1", t0)
	if got := strings.Join(fldIDs(rows), ","); got != a+","+b || len(del) != 0 {
		t.Fatalf("updates after creating: %s, deleted %v", got, del)
	}
	t1 := fldTS(t, res)
	if t1 <= t0 {
		t.Fatalf("updates timestamp %d not after %d", t1, t0)
	}
	if rows, del, _ := updates("1", t1); len(rows) != 0 || len(del) != 0 {
		t.Fatalf("no change since %d, got %v %v", t1, fldIDs(rows), del)
	}

	MustOK(t, fldDelete(c, []string{a}))
	MustOK(t, fldUpdate(c, b, map[string]any{"title": "B2"}))
	rows, del, res = updates("1", t1)
	if len(rows) != 1 || rows[0].id() != b || rows[0].title() != "B2" || len(del) != 1 || del[0] != a {
		t.Fatalf("updates after delete+rename: rows %v deleted %v", fldIDs(rows), del)
	}
	t2 := fldTS(t, res)
	if rows, del, _ := updates("1", t1, "ignore", "deleted"); len(rows) != 1 || len(del) != 0 {
		t.Fatalf("ignore=deleted: rows %v deleted %v", fldIDs(rows), del)
	}
	if _, del, _ := updates("1", 0); len(del) != 0 {
		t.Fatalf("timestamp 0 must not report deletions: %v", del)
	}

	// A move leaves a tombstone in the old parent and shows up in the new.
	d := fldNew(t, c, "1", map[string]any{"module": "calendar", "title": "D"})
	_, _, res = updates("1", t2)
	t3 := fldTS(t, res)
	MustOK(t, fldUpdate(c, b, map[string]any{"folder_id": d}))
	rows, del, _ = updates("1", t3)
	if len(del) != 1 || del[0] != b {
		t.Fatalf("old parent after move: rows %v deleted %v", fldIDs(rows), del)
	}
	if r := fldFind(rows, d); r == nil || r[304] != true {
		t.Errorf("new parent D must be modified with subfolders: %v", fldIDs(rows))
	}
	rows, del, _ = updates(d, t3)
	if len(rows) != 1 || rows[0].id() != b || len(del) != 0 {
		t.Fatalf("new parent after move: rows %v deleted %v", fldIDs(rows), del)
	}

	// clear: contacts rows go, leaving tombstones; totals follow.
	privRows, _ := fldList(t, c, "1", "1")
	var contacts string
	for _, r := range privRows {
		if r.title() == "Contacts" {
			contacts = r.id()
		}
	}
	db := fldOpenDB(t, s)
	for i, name := range []string{"Xavier", "Yvonne"} {
		if _, err := db.Exec(`INSERT INTO contacts(cid, id, folder_id, created_by, modified_by, creation_date, last_modified, display_name)
			VALUES(1, ?, ?, ?, ?, 1, 1, ?)`, 90001+i, contacts, c.UserID, c.UserID, name); err != nil {
			t.Fatal(err)
		}
	}
	if o := fldGet(t, c, "1", contacts); o["total"] != float64(2) {
		t.Fatalf("total before clear %v", o["total"])
	}
	res = MustOK(t, c.Put("folders", []string{contacts}, "action", "clear", "tree", "1"))
	if got := fmt.Sprint(res.Data()); got != "[]" {
		t.Fatalf("clear answered %s", res.Body)
	}
	if o := fldGet(t, c, "1", contacts); o["total"] != float64(0) {
		t.Fatalf("total after clear %v", o["total"])
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM tombstones WHERE module = 'contact' AND folder_id = ? AND id IN (90001, 90002)`, contacts).Scan(&n); err != nil || n != 2 {
		t.Fatalf("contact tombstones after clear: %d, %v", n, err)
	}
	// The global address book cannot be cleared (no delete right), unknown ids are reported.
	res = fldWarned(t, c.Put("folders", []string{"6", "987654"}, "action", "clear"))
	if got := fmt.Sprint(res.Data()); got != "[6 987654]" {
		t.Fatalf("clear of GAB/unknown answered %s", res.Body)
	}
	MustCode(t, c.Put("folders", `[`, "action", "clear"), "SVL-0009")
	// Deleting a folder removes its subfolders and their contacts too.
	e := fldNew(t, c, d, map[string]any{"module": "contacts", "title": "E"})
	if _, err := db.Exec(`INSERT INTO contacts(cid, id, folder_id, creation_date, last_modified) VALUES(1, 90003, ?, 1, 1)`, e); err != nil {
		t.Fatal(err)
	}
	MustOK(t, fldDelete(c, []string{d}, "failOnError", "true"))
	if err := db.QueryRow(`SELECT count(*) FROM contacts WHERE id = 90003`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("contact of deleted folder survives: %d %v", n, err)
	}
	MustCode(t, c.Get("folders", "action", "get", "id", e), "FLD-0008")
	MustCode(t, c.Get("folders", "action", "get", "id", b), "FLD-0008")
	if _, del, _ := updates("1", t3); !fldHas(del, d) {
		t.Fatalf("deleted D missing from updates: %v", del)
	}

	// Once tombstones are pruned, older timestamps must reload everything.
	time.Sleep(20 * time.Millisecond)
	if _, errOut, code := s.CLI("tombstones", "prune", "--tombstone-retention", "0s"); code != 0 {
		t.Fatalf("prune: %s", errOut)
	}
	MustCode(t, c.Get("folders", "action", "updates", "parent", "1", "timestamp", strconv.FormatInt(t1, 10), "columns", "1"), "OXL-0001")
	if rows, del, _ := updates("1", 0); len(rows) != 3 || len(del) != 0 {
		t.Fatalf("updates since 0 after pruning: %v %v", fldIDs(rows), del)
	}
}

func TestFoldersSharing(t *testing.T) {
	s := StartServer(t)
	alice := s.AddUser("alice", "pw", "--display-name", "Alice A")
	bob := s.AddUser("bob", "pw", "--display-name", "Bob B")
	s.AddUser("carol", "pw")
	a := s.Login("alice", "pw")
	b := s.Login("bob", "pw")
	cc := s.Login("carol", "pw")

	cal := fldNew(t, a, "1", map[string]any{"module": "calendar", "title": "Holidays"})
	secret := fldNew(t, a, "1", map[string]any{"module": "contacts", "title": "Secret"})
	tShare := fldTS(t, a.Get("folders", "action", "get", "id", cal))

	// Before sharing bob sees nothing of alice's.
	MustCode(t, b.Get("folders", "action", "get", "id", cal), "FLD-0003")
	r := MustCode(t, b.Get("folders", "action", "get", "id", secret), "FLD-0003")
	if r.Obj["categories"] != "PERMISSION_DENIED" {
		t.Errorf("not visible category %v", r.Obj["categories"])
	}

	// Permission rules of private folders.
	owner := fldPerm(fldAllBits, alice, false)
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(fldAllBits, bob, false)}}), "FLD-0015")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{fldPerm(fldAllBits, bob, false)}}), "FLD-0017")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(fldAllBits, 0, true)}}), "FLD-0016")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{fldPerm(fldReadBits, alice, false)}}), "FLD-0018")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{}}), "FLD-0018")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(fldReadBits, 987654, false)}}), "FLD-0044")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(fldReadBits, 987654, true)}}), "FLD-0044")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(fldReadBits, bob, false), fldPerm(fldSeeRead, bob, false)}}), "FLD-0079")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(3, bob, false)}}), "FLD-0061")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, map[string]any{"entity": bob}}}), "FLD-0076")
	MustCode(t, fldUpdate(a, cal, map[string]any{"permissions": "all"}), "SVL-0009")

	// Share with bob: read all, write own.
	MustOK(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner, fldPerm(fldReadBits, bob, false)}}))
	shared, res := fldList(t, b, "1", "3")
	if len(shared) != 1 || shared[0].id() != cal {
		t.Fatalf("bob's shared folders: %v", fldIDs(shared))
	}
	row := shared[0]
	if row.num(302) != 3 || row.parent() != "3" || row.num(305) != fldReadBits || row[308] != false || row.num(316) != 0 ||
		row[3030] != "Alice A" || row[301] != "calendar" {
		t.Fatalf("shared folder as bob sees it: %v", row)
	}
	root := fldRows(t, b.Get("folders", fldUI("1", "action", "root", "columns", fldColsParam)...))
	if fldFind(root, "3")[304] != true {
		t.Errorf("folder 3 must report subfolders for bob")
	}
	o := fldGet(t, b, "1", cal)
	if o["type"] != float64(3) || o["own_rights"] != float64(fldReadBits) || o["folder_id"] != "3" {
		t.Fatalf("bob get %v", o)
	}
	res = MustOK(t, b.Get("folders", fldUI("1", "action", "path", "id", cal, "columns", "1")...))
	if got := fmt.Sprint(res.Data()); got != fmt.Sprintf("[[%s] [3]]", cal) {
		t.Errorf("bob's path of the shared folder %s", got)
	}
	res = MustOK(t, b.Get("folders", fldUI("1", "action", "allVisible", "content_type", "calendar", "columns", fldColsParam)...))
	data := res.Data().(map[string]any)
	if sh := fldRowsOf(t, data["shared"].([]any), fldCols); len(sh) != 1 || sh[0].id() != cal {
		t.Fatalf("bob allVisible shared %s", res.Body)
	}
	if pv := fldRowsOf(t, data["private"].([]any), fldCols); len(pv) != 1 || pv[0].title() != "Calendar" {
		t.Fatalf("bob allVisible private %s", res.Body)
	}
	// Alice still sees it as her own private folder, now listed among her shares.
	if o := fldGet(t, a, "1", cal); o["type"] != float64(1) || o["folder_id"] != "1" || o["own_rights"] != float64(fldAllBits) {
		t.Fatalf("alice get %v", o)
	}
	res = MustOK(t, a.Get("folders", "action", "shares", "content_type", "calendar", "columns", "1,300"))
	if got := fmt.Sprint(res.Data()); got != fmt.Sprintf("[[%s Holidays]]", cal) {
		t.Errorf("alice shares %s", got)
	}
	res = MustOK(t, a.Get("folders", "action", "shares", "content_type", "contacts", "columns", "1"))
	if got := fmt.Sprint(res.Data()); got != "[]" {
		t.Errorf("alice contacts shares %s", got)
	}

	// Bob may read but not administrate; alice's other folders stay hidden.
	MustCode(t, fldUpdate(b, cal, map[string]any{"title": "Mine"}), "FLD-0010")
	MustCode(t, fldDelete(b, []string{cal}, "failOnError", "true"), "FLD-0030")
	MustCode(t, b.Put("folders", map[string]any{"module": "calendar", "title": "sub"}, "action", "new", "folder_id", cal), "FLD-0006")
	MustCode(t, b.Get("folders", "action", "list", "parent", secret, "columns", "1"), "FLD-0003")
	MustCode(t, b.Get("folders", "action", "path", "id", secret, "columns", "1"), "FLD-0003")
	MustCode(t, b.Get("folders", "action", "updates", "parent", secret, "timestamp", "0", "columns", "1"), "FLD-0003")
	MustCode(t, fldUpdate(b, secret, map[string]any{"title": "x"}), "FLD-0003")
	MustCode(t, fldDelete(b, []string{secret}, "failOnError", "true"), "FLD-0003")
	res = fldWarned(t, fldDelete(b, []string{secret}))
	if got := fldStrs(res.Data()); len(got) != 1 || got[0] != secret || res.Obj["code"] != "FLD-0003" {
		t.Errorf("bob deleting alice's folder: %s", res.Body)
	}
	MustOK(t, a.Get("folders", "action", "get", "id", secret))
	MustCode(t, cc.Get("folders", "action", "get", "id", cal), "FLD-0003")
	if rows, _ := fldList(t, cc, "1", "3"); len(rows) != 0 {
		t.Errorf("carol sees shared folders %v", fldIDs(rows))
	}

	// Group sharing.
	out, errOut, code := s.CLI("group", "add", "--name", "g", "--members", "bob")
	if code != 0 {
		t.Fatalf("group add: %s", errOut)
	}
	gid, _ := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	MustOK(t, fldUpdate(a, secret, map[string]any{"permissions": []any{owner, fldPerm(fldSeeRead, gid, true)}}))
	o = fldGet(t, b, "1", secret)
	if o["own_rights"] != float64(fldSeeRead) || o["type"] != float64(3) {
		t.Fatalf("group-shared folder for bob %v", o)
	}
	MustCode(t, cc.Get("folders", "action", "get", "id", secret), "FLD-0003")
	res = MustOK(t, b.Get("folders", "action", "allVisible", "content_type", "contacts", "columns", "1", "tree", "1"))
	if got := fmt.Sprint(res.Data().(map[string]any)["shared"]); got != fmt.Sprintf("[[%s]]", secret) {
		t.Errorf("bob allVisible contacts shared %s", got)
	}
	// All users (group 0) with create-subfolder rights: carol can create below it; alice stays owner.
	MustOK(t, fldUpdate(a, secret, map[string]any{"permissions": []any{owner, fldPerm(fldSubBits, 0, true)}}))
	sub := fldNew(t, cc, secret, map[string]any{"title": "carol's"})
	if o := fldGet(t, a, "1", sub); o["folder_id"] != secret || o["created_by"] != float64(cc.UserID) || o["type"] != float64(1) {
		t.Errorf("subfolder in a shared folder, as alice sees it: %v", o)
	}
	if o := fldGet(t, cc, "1", sub); o["folder_id"] != secret || o["type"] != float64(3) {
		t.Errorf("subfolder in a shared folder, as carol sees it: %v", o)
	}

	// cascadePermissions pushes the list to subfolders.
	MustOK(t, fldUpdate(a, secret, map[string]any{"permissions": []any{owner, fldPerm(fldSeeRead, bob, false)}}, "cascadePermissions", "true"))
	if o := fldGet(t, a, "1", sub); len(o["permissions"].([]any)) != 2 {
		t.Errorf("cascaded permissions %v", o["permissions"])
	}
	MustCode(t, cc.Get("folders", "action", "get", "id", sub), "FLD-0003")

	// Unsharing: bob's updates of folder 3 report the folder as gone,
	// alice's updates of folder 1 do not.
	MustOK(t, fldUpdate(a, cal, map[string]any{"permissions": []any{owner}}))
	res = MustOK(t, b.Get("folders", "action", "updates", "parent", "3", "timestamp", strconv.FormatInt(tShare, 10), "columns", "1", "tree", "1"))
	if got := fldStrs(res.Data()); !fldHas(got, cal) {
		t.Errorf("bob's updates after unsharing: %s", res.Body)
	}
	res = MustOK(t, a.Get("folders", "action", "updates", "parent", "1", "timestamp", strconv.FormatInt(tShare, 10), "columns", "1", "tree", "1"))
	for _, x := range res.Data().([]any) {
		if x == cal {
			t.Errorf("alice's updates report her folder deleted: %s", res.Body)
		}
	}
	MustCode(t, b.Get("folders", "action", "get", "id", cal), "FLD-0003")
	if rows, _ := fldList(t, b, "1", "3"); fldFind(rows, cal) != nil {
		t.Errorf("bob still lists the unshared folder")
	}
}

// The folder actions also work inside multiple, as the UI's refresh sends them.
func TestFoldersInMultiple(t *testing.T) {
	s := StartServer(t)
	s.AddUser("alice", "pw")
	c := s.Login("alice", "pw")
	body := `[{"module":"folders","action":"list","parent":"1","tree":"1","all":"0","altNames":"true","timezone":"UTC","columns":"` + fldColsParam + `"},` +
		`{"module":"folders","action":"allVisible","content_type":"contacts","tree":"1","altNames":"true","timezone":"UTC","columns":"` + fldColsParam + `"},` +
		`{"module":"folders","action":"get","id":"1","tree":"1"}]`
	res := c.Do(http.MethodPut, "multiple", nil, body)
	if res.Status != http.StatusOK || len(res.Arr) != 3 {
		t.Fatalf("multiple: %d %s", res.Status, res.Body)
	}
	for i, x := range res.Arr {
		m := x.(map[string]any)
		if m["error"] != nil {
			t.Fatalf("multiple item %d: %v", i, m)
		}
	}
	if rows := fldRowsOf(t, res.Arr[0].(map[string]any)["data"].([]any), fldCols); len(rows) != 3 {
		t.Errorf("list in multiple: %d rows", len(rows))
	}
}
