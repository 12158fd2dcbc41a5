package syncit

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"oxlite/syncer"
)

// dropAfter lets requests matching match reach the server but loses their
// answer, as a timeout or a worker killed mid-request would.
type dropAfter struct {
	base  http.RoundTripper
	match func(*http.Request) bool
	left  atomic.Int32
}

func (d *dropAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(r)
	if err == nil && d.match(r) && d.left.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, errors.New("connection lost after sending")
	}
	return resp, err
}

func TestLostAnswersAreReplayedSafely(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Lost", "company": "Before"})
	l := e.attach(t)
	d := &dropAfter{base: http.DefaultTransport, match: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/contacts") && r.URL.Query().Get("action") == "update"
	}}
	d.left.Store(1)
	l.Remote.HTTP.(*http.Client).Transport = d
	MustOK(t, l.Put("contacts", map[string]any{"company": "After"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	err := l.Engine.SyncNow(context.Background())
	var te *syncer.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("sync with a lost answer: %v", err)
	}
	// The server has the change, the outbox still holds it.
	if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["company"] != "After" {
		t.Fatalf("server %v", o)
	}
	if p := l.State()["pending"].(float64); p != 1 {
		t.Fatalf("pending %v", p)
	}
	// Replaying it conflicts with our own change and merges to nothing.
	l.Sync()
	if cs := l.Conflicts(); len(cs) != 0 {
		t.Fatalf("replay produced conflicts %v", cs)
	}
	if o, _ := getObj(t, l, "contacts", id, e.conFolder); o["company"] != "After" {
		t.Fatalf("local %v", o)
	}
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("pending after replay %v", p)
	}
}

func TestRejectedChangeIsVisible(t *testing.T) {
	e := setup(t)
	// Bob's folder is shared with alice read-only on the server, but
	// alice's local store believes she may write (permissions changed after
	// her last pull).
	res := MustOK(t, e.bob.Put("folders", map[string]any{"title": "Bob's", "module": "contacts", "permissions": []any{
		map[string]any{"entity": e.bob.UserID, "group": false, "bits": 403710016},
		map[string]any{"entity": e.alice.UserID, "group": false, "bits": 4227332},
	}}, "action", "new", "folder_id", "1", "tree", "1"))
	shared := num(res.Data())
	c := create(t, e.bob, "contacts", map[string]any{"folder_id": shared, "first_name": "Bobs"})
	l := e.attach(t)
	MustOK(t, e.bob.Put("folders", map[string]any{"permissions": []any{
		map[string]any{"entity": e.bob.UserID, "group": false, "bits": 403710016},
		map[string]any{"entity": e.alice.UserID, "group": false, "bits": 257},
	}}, "action", "update", "id", itoa(shared), "tree", "1", "timestamp", farFuture))
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Refused"}, "action", "update", "id", itoa(c),
		"folder", itoa(shared), "timestamp", farFuture))
	newC := create(t, l, "contacts", map[string]any{"folder_id": shared, "first_name": "Also refused"})
	l.Sync()
	cs := l.Conflicts()
	if len(cs) != 2 {
		t.Fatalf("conflicts %v", cs)
	}
	for _, x := range cs {
		if x["kind"] != "rejected" || x["error"] == "" || x["request"] == nil {
			t.Fatalf("record %v", x)
		}
	}
	if lv := cs[0]["local"].(map[string]any); lv["last_name"] != "Refused" {
		t.Fatalf("local version of the refused update %v", lv)
	}
	// The store shows the server's version again; the refused creation is gone.
	if o, _ := getObj(t, l, "contacts", c, shared); o["last_name"] != nil {
		t.Fatalf("local after rejection %v", o)
	}
	if _, code := getObj(t, l, "contacts", newC, shared); code == "" {
		t.Fatal("refused creation still local")
	}
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("pending %v", p)
	}
}

// A creation whose answer was lost must not be created twice: the replay
// finds the object the first attempt made (by uid, folders by title) and
// maps the temporary id to it.
func TestLostCreationIsNotDuplicated(t *testing.T) {
	e := setup(t)
	l := e.attach(t)
	d := &dropAfter{base: http.DefaultTransport, match: func(r *http.Request) bool {
		return r.URL.Query().Get("action") == "new"
	}}
	d.left.Store(4)
	l.Remote.HTTP.(*http.Client).Transport = d
	calendar := calFolder(t, l)
	aTemp := newAppt(t, l, calendar, "Once only", calStart, nil)
	cTemp := create(t, l, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Once", "last_name": "Only"})
	tTemp := create(t, l, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Once only"})
	fTemp := num(MustOK(t, l.Put("folders", map[string]any{"title": "Once only", "module": "contacts"},
		"action", "new", "folder_id", itoa(e.conFolder), "tree", "1")).Data())
	// Each creation reaches the server, each answer is lost; each sync
	// adopts the one lost before and loses the next.
	for i := 0; i < 4; i++ {
		err := l.Engine.SyncNow(context.Background())
		var te *syncer.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("sync %d with a lost answer: %v", i, err)
		}
	}
	if p := l.State()["pending"].(float64); p != 1 {
		t.Fatalf("pending %v", p)
	}
	l.Sync()
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("pending after replay %v (%v)", p, l.State())
	}
	count := func(module string, folder int64, field, want string) []int64 {
		res := MustOK(t, e.alice.Get(module, "action", "all", "folder", itoa(folder), "columns", "1,"+field))
		var out []int64
		for _, r := range res.Data().([]any) {
			if r.([]any)[1] == want {
				out = append(out, num(r.([]any)[0]))
			}
		}
		return out
	}
	cs := count("contacts", e.conFolder, "501", "Once")
	ts := count("tasks", e.taskFolder, "200", "Once only")
	if len(cs) != 1 || len(ts) != 1 {
		t.Fatalf("server holds contacts %v, tasks %v", cs, ts)
	}
	res := MustOK(t, e.alice.Get("folders", "action", "list", "parent", itoa(e.conFolder), "columns", "1,300", "tree", "1"))
	var fs []int64
	for _, r := range res.Data().([]any) {
		if r.([]any)[1] == "Once only" {
			fs = append(fs, num(r.([]any)[0]))
		}
	}
	if len(fs) != 1 {
		t.Fatalf("server folders %v", fs)
	}
	res = MustOK(t, e.alice.Get("calendar", "action", "all", "folder", itoa(calendar), "columns", "1,200",
		"start", itoa(calStart-dayMS), "end", itoa(calStart+dayMS)))
	var as []int64
	for _, r := range res.Data().([]any) {
		if r.([]any)[1] == "Once only" {
			as = append(as, num(r.([]any)[0]))
		}
	}
	if len(as) != 1 {
		t.Fatalf("server appointments %v", as)
	}
	if o, code := getAppt(t, l, aTemp, calendar); code != "" || num(o["id"]) != as[0] {
		t.Fatalf("temp appointment id %d: %v %s", aTemp, o, code)
	}
	// The local store knows the server ids, and the temporary ids still resolve.
	if o, code := getObj(t, l, "contacts", cs[0], e.conFolder); code != "" || o["last_name"] != "Only" {
		t.Fatalf("local contact %v %s", o, code)
	}
	if o, code := getObj(t, l, "contacts", cTemp, e.conFolder); code != "" || num(o["id"]) != cs[0] {
		t.Fatalf("temp contact id %d: %v %s", cTemp, o, code)
	}
	if o, code := getObj(t, l, "tasks", tTemp, e.taskFolder); code != "" || num(o["id"]) != ts[0] {
		t.Fatalf("temp task id %d: %v %s", tTemp, o, code)
	}
	if res := l.Get("folders", "action", "get", "id", itoa(fTemp), "tree", "1"); res.Code() != "" || num(res.Data().(map[string]any)["id"]) != fs[0] {
		t.Fatalf("temp folder %d: %v", fTemp, res.Data())
	}
	if cs := l.Conflicts(); len(cs) != 0 {
		t.Fatalf("conflicts %v", cs)
	}
}

// An occurrence change whose answer was lost reached the server, which
// made the change exception; the replay must not make a second one nor
// leave the local exception under its temporary id.
func TestLostOccurrenceChangeAnswer(t *testing.T) {
	e := setup(t)
	folder := calFolder(t, e.alice)
	ser := series(t, e.alice, folder, "Daily")
	l := e.attach(t)
	d := &dropAfter{base: http.DefaultTransport, match: func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/calendar") && r.URL.Query().Get("action") == "update"
	}}
	d.left.Store(1)
	l.Remote.HTTP.(*http.Client).Transport = d
	res := MustOK(t, l.Put("calendar", map[string]any{"title": "Daily (moved)", "recurrence_position": 3},
		"action", "update", "id", itoa(ser), "folder", itoa(folder), "timezone", "UTC"))
	temp := num(res.Data().(map[string]any)["id"])
	if temp >= 0 {
		t.Fatalf("local exception id %d", temp)
	}
	var te *syncer.TransportError
	if err := l.Engine.SyncNow(context.Background()); !errors.As(err, &te) {
		t.Fatalf("sync with a lost answer: %v", err)
	}
	l.Sync()
	exc := changeExceptions(t, e.alice, ser, folder)
	if len(exc) != 1 || exc[0][1] != "Daily (moved)" || num(exc[0][2]) != 3 {
		t.Fatalf("server exceptions %v", exc)
	}
	sid := num(exc[0][0])
	if le := changeExceptions(t, l, ser, folder); len(le) != 1 || num(le[0][0]) != sid {
		t.Fatalf("local exceptions %v, server id %d", le, sid)
	}
	if got, code := getAppt(t, l, temp, folder); code != "" || num(got["id"]) != sid {
		t.Fatalf("temporary exception id: %v %s", got, code)
	}
	if st := l.State(); st["pending"].(float64) != 0 || st["conflicts"].(float64) != 0 {
		t.Fatalf("state %v, conflicts %v", st, l.Conflicts())
	}
}
