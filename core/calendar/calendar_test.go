package calendar

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata"

	"oxlite/core/protocol"
	"oxlite/core/provision"
	"oxlite/storage"
)

func p(n int64) *int64 { return &n }

func starts(t *testing.T, a *storage.Appointment, n int) []time.Time {
	t.Helper()
	var out []time.Time
	if err := each(a, func(s, _ int64) bool {
		out = append(out, time.UnixMilli(s).UTC())
		return len(out) < n
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRecurrenceKinds(t *testing.T) {
	utc := func(y int, m time.Month, d, h int) int64 { return time.Date(y, m, d, h, 0, 0, 0, time.UTC).UnixMilli() }
	// Monthly on the second Tuesday, from 2030-01-08.
	got := starts(t, &storage.Appointment{Start: utc(2030, 1, 8, 10), End: utc(2030, 1, 8, 11), TimeZone: "UTC",
		RecurrenceType: 3, Days: p(4), DayInMonth: p(2), Interval: p(1)}, 3)
	if got[1].Day() != 12 || got[1].Month() != 2 || got[2].Day() != 12 || got[2].Month() != 3 {
		t.Fatalf("second Tuesday: %v", got)
	}
	// Monthly on day 31 falls back to the last day of shorter months.
	got = starts(t, &storage.Appointment{Start: utc(2030, 1, 31, 10), End: utc(2030, 1, 31, 11), TimeZone: "UTC",
		RecurrenceType: 3, DayInMonth: p(31), Interval: p(1)}, 2)
	if got[1].Day() != 28 || got[1].Month() != 2 {
		t.Fatalf("day 31: %v", got)
	}
	// Yearly on the last Friday of November.
	got = starts(t, &storage.Appointment{Start: utc(2030, 11, 29, 10), End: utc(2030, 11, 29, 11), TimeZone: "UTC",
		RecurrenceType: 4, Month: p(10), Days: p(32), DayInMonth: p(5)}, 2)
	if got[1] != time.Date(2031, 11, 28, 10, 0, 0, 0, time.UTC) {
		t.Fatalf("last Friday: %v", got)
	}
	// until is inclusive, weekly every other Monday and Wednesday.
	a := &storage.Appointment{Start: utc(2030, 1, 7, 10), End: utc(2030, 1, 7, 11), TimeZone: "UTC",
		RecurrenceType: 2, Days: p(2 | 8), Interval: p(2), Until: p(utc(2030, 1, 21, 0))}
	got = starts(t, a, 100)
	if len(got) != 3 || got[2] != time.Date(2030, 1, 21, 10, 0, 0, 0, time.UTC) {
		t.Fatalf("until: %v", got)
	}
	re, err := rangeEnd(a)
	if err != nil || *re != utc(2030, 1, 21, 11) {
		t.Fatalf("range end %v %v", re, err)
	}
	if !inRange(5, 5, 5, 6) || inRange(5, 5, 6, 7) || inRange(1, 5, 5, 6) || !inRange(1, 6, 5, 6) {
		t.Fatalf("range rule")
	}
}

func TestIngestAndRemove(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN("calendar-ingest")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prov := &provision.Service{DB: db}
	cid, _, _, err := prov.AddContext(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	u, err := prov.AddUser(ctx, cid, provision.NewUser{Login: "ann", Password: "secret-pw-1", DisplayName: "Ann", Email: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	folder, err := db.DefaultFolder(ctx, cid, u.ID, "calendar")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2030, 3, 18, 9, 0, 0, 0, berlin).UnixMilli()
	obj := map[string]any{"id": float64(77), "folder_id": float64(folder), "title": "synced", "created_by": float64(u.ID),
		"start_date": float64(protocol.ToTime(start, berlin)), "end_date": float64(protocol.ToTime(start+3600000, berlin)),
		"timezone": "Europe/Berlin", "recurrence_type": float64(2), "days": float64(2), "interval": float64(1), "occurrences": float64(3),
		"recurrence_id": float64(77), "users": []any{map[string]any{"id": float64(u.ID), "confirmation": float64(1)}},
		"participants": []any{map[string]any{"id": float64(u.ID), "type": float64(1)}}, "last_modified_utc": float64(1000), "alarm": float64(5)}
	err = db.Write(ctx, cid, func(tx *storage.Tx) error {
		r, err := Ingest(tx, u.ID, berlin, obj)
		if err != nil {
			return err
		}
		if r.ID != 77 || r.Folder != folder || r.ServerModified != 1000 {
			t.Errorf("ingested %+v", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Appointment(ctx, cid, 77)
	if err != nil {
		t.Fatal(err)
	}
	v := decode(a)
	if a.Start != start || a.SeriesID != 77 || !a.InFolder(folder) || v.fields["title"] != "synced" || v.user(u.ID).Confirmation != 1 || a.RangeEnd == nil {
		t.Fatalf("stored %+v %v", a, v.fields)
	}
	err = db.Write(ctx, cid, func(tx *storage.Tx) error {
		ok, err := Remove(tx, 77)
		if !ok || err != nil {
			t.Errorf("remove: %v %v", ok, err)
		}
		ok, err = Remove(tx, 77)
		if ok || err != nil {
			t.Errorf("second remove: %v %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
