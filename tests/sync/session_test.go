package syncit

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"oxlite/syncer"
)

func TestSecondUsersChangesArriveByPull(t *testing.T) {
	e := setup(t)
	// Alice shares her address book with bob (he may create and edit all).
	f := MustOK(t, e.alice.Get("folders", "action", "get", "id", itoa(e.conFolder), "tree", "1")).Data().(map[string]any)
	perms := append(f["permissions"].([]any), map[string]any{"entity": e.bob.UserID, "group": false, "bits": 4227332})
	MustOK(t, e.alice.Put("folders", map[string]any{"permissions": perms}, "action", "update", "id", itoa(e.conFolder),
		"tree", "1", "timestamp", farFuture))
	l := e.attach(t)
	byBob := create(t, e.bob, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "From", "last_name": "Bob"})
	// Bob also changes his own entry in the global address book.
	bobUser := MustOK(t, e.bob.Get("user", "action", "get")).Data().(map[string]any)
	MustOK(t, e.bob.Put("user", map[string]any{"company": "Bob's Builders"}, "action", "update", "id", itoa(e.bob.UserID),
		"timestamp", farFuture))
	l.Sync()
	o, code := getObj(t, l, "contacts", byBob, e.conFolder)
	if code != "" || o["last_name"] != "Bob" || num(o["created_by"]) != e.bob.UserID {
		t.Fatalf("bob's contact locally: %v %s", o, code)
	}
	gab, code := getObj(t, l, "contacts", num(bobUser["contact_id"]), 6)
	if code != "" || gab["company"] != "Bob's Builders" {
		t.Fatalf("bob's entry in the global address book locally: %v %s", gab, code)
	}
	// Bob deletes his contact: the deletion arrives too.
	MustOK(t, e.bob.Put("contacts", []any{map[string]any{"id": byBob, "folder": e.conFolder}}, "action", "delete", "timestamp", farFuture))
	l.Sync()
	if _, code := getObj(t, l, "contacts", byBob, e.conFolder); code == "" {
		t.Fatal("bob's deletion did not arrive")
	}
}

func TestSharedFolderArrives(t *testing.T) {
	e := setup(t)
	res := MustOK(t, e.bob.Put("folders", map[string]any{"title": "Bob's book", "module": "contacts", "permissions": []any{
		map[string]any{"entity": e.bob.UserID, "group": false, "bits": 403710016},
		map[string]any{"entity": e.alice.UserID, "group": false, "bits": 257},
	}}, "action", "new", "folder_id", "1", "tree", "1"))
	shared := num(res.Data())
	c := create(t, e.bob, "contacts", map[string]any{"folder_id": shared, "first_name": "Shared"})
	l := e.attach(t)
	want := MustOK(t, e.alice.Get("folders", "action", "list", "parent", "3", "tree", "1", "columns", "1,300,302"))
	got := MustOK(t, l.Get("folders", "action", "list", "parent", "3", "tree", "1", "columns", "1,300,302"))
	if jsonString(want.Data()) != jsonString(got.Data()) {
		t.Fatalf("shared folders: server %s local %s", want.Body, got.Body)
	}
	if o, code := getObj(t, l, "contacts", c, shared); code != "" || o["first_name"] != "Shared" {
		t.Fatalf("contact in the shared folder: %v %s", o, code)
	}
	// Read-only for alice: the local core refuses the write as the server would.
	MustCode(t, l.Put("contacts", map[string]any{"folder_id": shared, "first_name": "No"}, "action", "new"), "CON-0112")
	if p := l.State()["pending"].(float64); p != 0 {
		t.Fatalf("a refused write was recorded: pending %v", p)
	}
}

func TestReloginKeepsOutbox(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Session"})
	l := e.attach(t)
	// The server ends the engine's session (logout answers an empty body).
	_, _ = l.Remote.Do(context.Background(), "login", url.Values{"action": {"logout"}}, nil)
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Waiting"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	err := l.Engine.SyncNow(context.Background())
	if !errors.Is(err, syncer.ErrRelogin) {
		t.Fatalf("sync without session: %v", err)
	}
	st := l.State()
	if st["relogin"] != true || st["pending"].(float64) != 1 {
		t.Fatalf("state %v", st)
	}
	// Local answers continue.
	if o, _ := getObj(t, l, "contacts", id, e.conFolder); o["last_name"] != "Waiting" {
		t.Fatalf("local answer %v", o)
	}
	// A new login through the worker resumes.
	res, err := l.Remote.Login(context.Background(), "alice", "pw-alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Engine.Attach(context.Background(), syncer.Account{Session: res.Session, UserID: res.UserID, ContextID: res.ContextID,
		Login: "alice"}); err != nil {
		t.Fatal(err)
	}
	l.Session = res.Session
	l.Sync()
	if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["last_name"] != "Waiting" {
		t.Fatalf("server after relogin %v", o)
	}
	if st := l.State(); st["relogin"] != false || st["pending"].(float64) != 0 {
		t.Fatalf("state after relogin %v", st)
	}
	// Another user cannot take over the store.
	bob, err := syncer.NewRemote(e.s.URL+"/ajax").Login(context.Background(), "bob", "pw-bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Engine.Attach(context.Background(), syncer.Account{Session: bob.Session, UserID: bob.UserID, ContextID: bob.ContextID,
		Login: "bob"}); !errors.Is(err, syncer.ErrOtherUser) {
		t.Fatalf("attach of another user: %v", err)
	}
}

func TestServerUnreachableKeepsOutbox(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Before"})
	l := e.attach(t)
	e.s.Stop()
	MustOK(t, l.Put("tasks", map[string]any{"title": "While down"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.taskFolder), "timestamp", farFuture))
	newT := create(t, l, "tasks", map[string]any{"folder_id": e.taskFolder, "title": "Created while down"})
	err := l.Engine.SyncNow(context.Background())
	var te *syncer.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("sync while down: %v", err)
	}
	st := l.State()
	if st["online"] != false || st["pending"].(float64) != 2 || st["last_error"] == "" || st["retry_at"] == nil {
		t.Fatalf("state while down %v", st)
	}
	if err := l.Engine.Sync(context.Background()); !errors.Is(err, syncer.ErrBackoff) {
		t.Fatalf("sync during backoff: %v", err)
	}
	// Local answers continue, the temporary object included.
	if o, code := getObj(t, l, "tasks", newT, e.taskFolder); code != "" || o["title"] != "Created while down" {
		t.Fatalf("local object %v %s", o, code)
	}
	e.s.Restart()
	l.Remote.Base = e.s.URL + "/ajax"
	e.alice = e.s.Login("alice", "pw-alice")
	l.Sync()
	if o, _ := getObj(t, e.alice, "tasks", id, e.taskFolder); o["title"] != "While down" {
		t.Fatalf("server after reconnect %v", o)
	}
	found := false
	for tid := range ids(t, e.alice, "tasks", e.taskFolder) {
		if o, _ := getObj(t, e.alice, "tasks", tid, e.taskFolder); o["title"] == "Created while down" {
			found = true
		}
	}
	if !found {
		t.Fatal("task created while down not pushed")
	}
	if st := l.State(); st["online"] != true || st["pending"].(float64) != 0 {
		t.Fatalf("state after reconnect %v", st)
	}
}

// runScheduler schedules l's syncs (the interval given, 50 ms debounce)
// until the test ends; the channel hears each sync's outcome.
func runScheduler(t *testing.T, l *Local, interval time.Duration) <-chan error {
	s := syncer.NewScheduler(l.Engine)
	s.Interval, s.Debounce = interval, 50*time.Millisecond
	done := make(chan error, 8)
	s.OnSync = func(err error) { done <- err }
	l.Rec.OnWrite = s.Written
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go s.Run(ctx)
	return done
}

func TestSchedulerSyncsAfterWrites(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Sched"})
	l := e.attach(t)
	done := runScheduler(t, l, time.Minute)
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Debounced"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no sync after a local write")
	}
	if o, _ := getObj(t, e.alice, "contacts", id, e.conFolder); o["last_name"] != "Debounced" {
		t.Fatalf("server %v", o)
	}
}

// A retry due after a failed automatic sync is put off by a sync the
// person asked for meanwhile (oxlite/sync `now` calls the engine, not the
// scheduler): it would run right after it with nothing to do, or pull
// what the person expected the next sync to bring.
func TestSchedulerRetryYieldsToSyncNow(t *testing.T) {
	e := setup(t)
	id := create(t, e.alice, "contacts", map[string]any{"folder_id": e.conFolder, "first_name": "Retry"})
	l := e.attach(t)
	done := runScheduler(t, l, time.Hour)
	e.s.Stop()
	MustOK(t, l.Put("contacts", map[string]any{"last_name": "Offline"}, "action", "update", "id", itoa(id),
		"folder", itoa(e.conFolder), "timestamp", farFuture))
	select {
	case err := <-done:
		var te *syncer.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("automatic sync while down: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no automatic sync after a local write")
	}
	retry := int64(l.State()["retry_at"].(float64))
	e.s.Restart()
	l.Remote.Base = e.s.URL + "/ajax"
	if err := l.Engine.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Past the retry's time: the scheduler ran nothing more.
	time.Sleep(time.Until(time.UnixMilli(retry)) + time.Second)
	select {
	case err := <-done:
		t.Fatalf("the retry ran after the sync asked for (err %v)", err)
	default:
	}
	if o, _ := getObj(t, e.s.Login("alice", "pw-alice"), "contacts", id, e.conFolder); o["last_name"] != "Offline" {
		t.Fatalf("server %v", o)
	}
}
