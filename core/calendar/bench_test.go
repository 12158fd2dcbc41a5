package calendar

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"oxlite/core/protocol"
	"oxlite/core/provision"
	"oxlite/storage"
)

// BenchmarkAllMonth is `all` for one month over 2,000 appointments of
// which 200 are weekly series (the make bench figure, without HTTP).
func BenchmarkAllMonth(b *testing.B) {
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{DSN: storage.MemoryDSN("calendar-bench")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	prov := &provision.Service{DB: db}
	cid, _, _, err := prov.AddContext(ctx, "c1")
	if err != nil {
		b.Fatal(err)
	}
	su, err := prov.AddUser(ctx, cid, provision.NewUser{Login: "ann", Password: "secret-pw-1", DisplayName: "Ann", Email: "ann@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	folder, _ := db.DefaultFolder(ctx, cid, su.ID, "calendar")
	u := &protocol.User{ContextID: cid, ID: su.ID, TimeZone: "UTC"}
	m := &Module{DB: db}
	year := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2000; i++ {
		start := year.Add(time.Duration(i%365)*24*time.Hour + time.Duration(8+i%9)*time.Hour)
		obj := map[string]any{"title": fmt.Sprintf("Appointment %d", i), "start_date": start.UnixMilli(), "end_date": start.Add(time.Hour).UnixMilli(),
			"timezone": "Europe/Berlin"}
		if i%10 == 0 {
			obj["recurrence_type"], obj["interval"], obj["occurrences"] = 2, 1, 52
			obj["days"] = int64(1) << int(start.Weekday())
		}
		if _, _, err := m.CreateAppointment(ctx, u, folder, obj); err != nil {
			b.Fatal(err)
		}
	}
	from := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	until := time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	params := url.Values{"folder": {fmt.Sprint(folder)}, "columns": {"1,20,5,101,102,206,207,201,200,202,400,401,402,221,224,227,2,209,212,213,214,215,222,216,220"},
		"start": {fmt.Sprint(from)}, "end": {fmt.Sprint(until)}, "sort": {"201"}, "order": {"asc"}, "timezone": {"UTC"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := m.all(&protocol.Request{Ctx: ctx, Params: params, User: u})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(r.Data); err != nil {
			b.Fatal(err)
		}
	}
}
