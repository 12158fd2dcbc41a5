package tasks

import (
	"testing"
	"time"
	_ "time/tzdata"

	"oxlite/storage"
)

func p(n int64) *int64 { return &n }

func day(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

func TestOccurrences(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// 2025-03-28 09:00 in Berlin (CET) is 08:00 UTC; a week later daylight
	// saving time has begun and 09:00 is 07:00 UTC.
	timed := time.Date(2025, 3, 28, 9, 0, 0, 0, berlin).UnixMilli()
	cases := []struct {
		name string
		t    storage.Task
		loc  *time.Location
		want []int64
	}{
		{"daily every 2 days", storage.Task{RecurrenceType: recDaily, Interval: p(2), Start: p(day(2025, 1, 1)), FullTime: true},
			time.UTC, []int64{day(2025, 1, 1), day(2025, 1, 3), day(2025, 1, 5)}},
		{"weekly Mon+Fri", storage.Task{RecurrenceType: recWeekly, Interval: p(1), Days: p(2 | 32), Start: p(day(2025, 1, 1)), FullTime: true},
			time.UTC, []int64{day(2025, 1, 3), day(2025, 1, 6), day(2025, 1, 10)}},
		{"monthly day 31", storage.Task{RecurrenceType: recMonthly, Interval: p(1), DayInMonth: p(31), Start: p(day(2025, 1, 31)), FullTime: true},
			time.UTC, []int64{day(2025, 1, 31), day(2025, 2, 28), day(2025, 3, 31)}},
		{"monthly last Friday", storage.Task{RecurrenceType: recMonthly, Interval: p(1), Days: p(32), DayInMonth: p(5), Start: p(day(2025, 1, 1)), FullTime: true},
			time.UTC, []int64{day(2025, 1, 31), day(2025, 2, 28), day(2025, 3, 28)}},
		{"monthly first weekday", storage.Task{RecurrenceType: recMonthly, Interval: p(1), Days: p(62), DayInMonth: p(1), Start: p(day(2025, 2, 1)), FullTime: true},
			time.UTC, []int64{day(2025, 2, 3), day(2025, 3, 3), day(2025, 4, 1)}},
		{"yearly Feb 29 falls back", storage.Task{RecurrenceType: recYearly, Month: p(1), DayInMonth: p(29), Start: p(day(2024, 1, 1)), FullTime: true},
			time.UTC, []int64{day(2024, 2, 29), day(2025, 2, 28), day(2026, 2, 28)}},
		{"count", storage.Task{RecurrenceType: recDaily, Interval: p(1), Occurrences: p(2), Start: p(day(2025, 1, 1)), FullTime: true},
			time.UTC, []int64{day(2025, 1, 1), day(2025, 1, 2)}},
		{"until inclusive", storage.Task{RecurrenceType: recWeekly, Interval: p(1), Days: p(8), Until: p(day(2025, 1, 15)), Start: p(day(2025, 1, 1)), FullTime: true},
			time.UTC, []int64{day(2025, 1, 1), day(2025, 1, 8), day(2025, 1, 15)}},
		{"timed weekly across DST", storage.Task{RecurrenceType: recWeekly, Interval: p(1), Days: p(32), Start: p(timed + 123)},
			berlin, []int64{timed + 123, timed + 7*86400000 - 3600000 + 123}},
	}
	for _, c := range cases {
		got, err := occurrences(&c.t, recurrenceLocation(&c.t, c.loc), len(c.want)+1)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) > len(c.want) && c.t.Occurrences == nil && c.t.Until == nil {
			got = got[:len(c.want)]
		}
		if len(got) != len(c.want) {
			t.Fatalf("%s: %d occurrences %v, want %v", c.name, len(got), got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: occurrence %d = %s, want %s", c.name, i, time.UnixMilli(got[i]).UTC(), time.UnixMilli(c.want[i]).UTC())
			}
		}
	}
}
