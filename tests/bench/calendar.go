package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// The calendar figures (issue 4): `all` for one month over a folder of
// 2,000 appointments of which 200 are weekly series, and `updates` with 10
// changes in that folder.

var cal struct {
	folder, before int64
	cols           string
	from, until    int64
}

func init() {
	setups = append(setups, setupCalendar)
	cal.cols = "1,20,5,101,102,206,207,201,200,202,400,401,402,221,224,227,2,209,212,213,214,215,222,216,220"
	endpoints = append(endpoints,
		Endpoint{Name: "calendar all 1 month of 2000", Method: http.MethodGet, Target: 0.5,
			Path: func() string {
				return pathf("calendar?action=all&folder=%d&columns=%s&start=%d&end=%d&showPrivate=true&recurrence_master=false&sort=201&order=asc&timezone=UTC",
					cal.folder, cal.cols, cal.from, cal.until)
			}},
		Endpoint{Name: "calendar updates 10 of 2000", Method: http.MethodGet, Target: 0.5,
			Path: func() string {
				return pathf("calendar?action=updates&folder=%d&timestamp=%d&columns=%s&ignore=none&timezone=UTC", cal.folder, cal.before, cal.cols)
			}},
	)
}

func setupCalendar(e *Env) error {
	ctx := context.Background()
	t0 := time.Now()
	var err error
	if pim.user == nil {
		// Files initialise in name order: this setup may run before setupPIM.
		c, err := e.DB.ContextByName(ctx, "default")
		if err != nil {
			return err
		}
		u, err := e.DB.UserByLogin(ctx, c.ID, "bench")
		if err != nil {
			return err
		}
		pim.user = &protocol.User{ContextID: c.ID, ID: u.ID, Login: u.Login, TimeZone: "UTC", Locale: "en_US", Groups: u.Groups}
	}
	if cal.folder, err = fillFolder(ctx, e, "Bench calendar", "calendar", 0); err != nil {
		return err
	}
	year := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cal.from = time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	cal.until = time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var ids []int64
	for i := 0; i < 2000; i++ {
		// Singles spread over the year on working hours; series weekly for a year.
		start := year.Add(time.Duration(i%365)*24*time.Hour + time.Duration(8+i%9)*time.Hour)
		obj := map[string]any{"title": fmt.Sprintf("Appointment %d", i), "location": "Room", "note": "bench",
			"start_date": start.UnixMilli(), "end_date": start.Add(time.Hour).UnixMilli(), "timezone": "Europe/Berlin"}
		if i%10 == 0 {
			obj["recurrence_type"], obj["interval"], obj["occurrences"] = 2, 1, 52
			obj["days"] = int64(1) << int(start.In(time.UTC).Weekday())
		}
		id, _, err := e.App.Calendar.CreateAppointment(ctx, pim.user, cal.folder, obj)
		if err != nil {
			return fmt.Errorf("creating appointment %d: %w", i, err)
		}
		ids = append(ids, id)
	}
	if cal.before, err = e.DB.LastStamp(ctx, pim.user.ContextID); err != nil {
		return err
	}
	for i := 0; i < 10; i++ {
		id := ids[i*197%len(ids)]
		if err := e.DB.Write(ctx, pim.user.ContextID, func(tx *storage.Tx) error {
			a, err := tx.Appointment(id)
			if err != nil {
				return err
			}
			a.ModifiedBy = pim.user.ID
			return tx.UpdateAppointment(a)
		}); err != nil {
			return err
		}
	}
	fmt.Printf("setup: 2,000 appointments (200 series) in %s\n", time.Since(t0).Round(time.Millisecond))
	return nil
}
