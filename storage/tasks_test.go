package storage

import (
	"context"
	"errors"
	"testing"
)

func openTasksDB(t *testing.T) (*DB, int64) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, Options{DSN: MemoryDSN("tasks-" + t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var cid int64
	err = db.Write(ctx, 0, func(tx *Tx) error {
		var err error
		if cid, err = tx.InsertContext("ctx", 1); err != nil {
			return err
		}
		tx.UseContext(cid)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, cid
}

func TestTaskRowsAndMappings(t *testing.T) {
	ctx := context.Background()
	db, cid := openTasksDB(t)
	title := "t"
	prio := int64(2)
	task := &Task{FolderID: 30, CreatedBy: 5, ModifiedBy: 5, UID: "u1", Title: &title, Status: 1, Priority: &prio,
		Participants: []TaskParticipant{{Kind: ParticipantUser, UserID: 6, Group: -1}, {Kind: ParticipantExternal, Group: -1, Mail: "x@y"}},
		Folders:      []TaskFolder{{User: 5, Folder: 30}, {User: 6, Folder: 40}}}
	if err := db.Write(ctx, cid, func(tx *Tx) error { return tx.InsertTask(task) }); err != nil {
		t.Fatal(err)
	}
	if task.ID == 0 || task.LastModified == 0 || task.CreationDate != task.LastModified {
		t.Fatalf("insert did not fill id/stamps: %+v", task)
	}
	for _, folder := range []int64{30, 40} {
		ts, err := db.TasksInFolder(ctx, cid, folder, 0)
		if err != nil || len(ts) != 1 || ts[0].ID != task.ID || len(ts[0].Participants) != 2 || len(ts[0].Folders) != 2 {
			t.Fatalf("folder %d: %v %+v", folder, err, ts)
		}
	}
	if ts, _ := db.TasksInFolder(ctx, cid, 30, task.LastModified); len(ts) != 0 {
		t.Fatalf("changed since its own stamp: %+v", ts)
	}
	counts, err := db.TaskCounts(ctx, cid, []int64{30, 40, 50})
	if err != nil || counts[30] != 1 || counts[40] != 1 || counts[50] != 0 {
		t.Fatalf("counts %v %v", counts, err)
	}
	got, err := db.Task(ctx, cid, task.ID)
	if err != nil || *got.Title != "t" || *got.Priority != 2 || got.Start != nil || got.FolderOf(6) != 40 || !got.InFolder(30) {
		t.Fatalf("loaded %+v %v", got, err)
	}

	// Update replaces participants and mappings and restamps.
	got.Participants = got.Participants[:1]
	got.Folders = got.Folders[:1]
	got.Priority = nil
	before := got.LastModified
	if err := db.Write(ctx, cid, func(tx *Tx) error { return tx.UpdateTask(got) }); err != nil {
		t.Fatal(err)
	}
	again, _ := db.Task(ctx, cid, task.ID)
	if again.LastModified <= before || again.Priority != nil || len(again.Participants) != 1 || len(again.Folders) != 1 {
		t.Fatalf("after update %+v", again)
	}
	if ts, _ := db.TasksInFolder(ctx, cid, 40, 0); len(ts) != 0 {
		t.Fatalf("mapping not removed")
	}
	if err := db.Write(ctx, cid, func(tx *Tx) error { return tx.DeleteTask(task.ID) }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Task(ctx, cid, task.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted task: %v", err)
	}
}

func TestReminderStore(t *testing.T) {
	ctx := context.Background()
	db, cid := openTasksDB(t)
	r := &Reminder{Module: ModuleTask, TargetID: 9, Folder: 30, UserID: 5, Alarm: 1000}
	if err := db.Write(ctx, cid, func(tx *Tx) error { return tx.SetReminder(r) }); err != nil {
		t.Fatal(err)
	}
	id := r.ID
	// Setting again replaces the same reminder.
	r2 := &Reminder{Module: ModuleTask, TargetID: 9, Folder: 31, UserID: 5, Alarm: 2000}
	other := &Reminder{Module: ModuleAppointment, TargetID: 9, Folder: 32, UserID: 5, Alarm: 500}
	err := db.Write(ctx, cid, func(tx *Tx) error {
		if err := tx.SetReminder(r2); err != nil {
			return err
		}
		return tx.SetReminder(other)
	})
	if err != nil || r2.ID != id || other.ID == id {
		t.Fatalf("upsert ids %d %d %d: %v", id, r2.ID, other.ID, err)
	}
	rs, err := db.RemindersUntil(ctx, cid, 5, nil)
	if err != nil || len(rs) != 2 || rs[0].ID != other.ID || rs[1].Alarm != 2000 || rs[1].Folder != 31 {
		t.Fatalf("reminders %+v %v", rs, err)
	}
	end := int64(1000)
	if rs, _ := db.RemindersUntil(ctx, cid, 5, &end); len(rs) != 1 || rs[0].Module != ModuleAppointment {
		t.Fatalf("until 1000: %+v", rs)
	}
	alarms, _ := db.ReminderAlarms(ctx, cid, ModuleTask, 5, []int64{9, 10})
	if len(alarms) != 1 || alarms[9] != 2000 {
		t.Fatalf("alarms %v", alarms)
	}
	err = db.Write(ctx, cid, func(tx *Tx) error {
		if ok, err := tx.DeleteReminder(id, 6); ok || err != nil {
			t.Errorf("another user deleted the reminder: %v %v", ok, err)
		}
		return tx.RemoveReminders(ModuleTask, 9)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rs, _ := db.RemindersUntil(ctx, cid, 5, nil); len(rs) != 1 || rs[0].ID != other.ID {
		t.Fatalf("after RemoveReminders: %+v", rs)
	}
}
