package tasks

import (
	"time"

	"github.com/teambition/rrule-go"

	"oxlite/storage"
)

// Recurrence types (TaskData.recurrence_type).
const (
	recNone    = 0
	recDaily   = 1
	recWeekly  = 2
	recMonthly = 3
	recYearly  = 4
)

// The days bit field: bit 0 Sunday … bit 6 Saturday.
var dayBits = []struct {
	bit int64
	day rrule.Weekday
}{{1, rrule.SU}, {2, rrule.MO}, {4, rrule.TU}, {8, rrule.WE}, {16, rrule.TH}, {32, rrule.FR}, {64, rrule.SA}}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// rule translates the OX recurrence fields of t (already validated) into
// an RRULE anchored at t's start in loc. day_in_month beyond the length of
// a month selects its last day, as OX does; with `days` set it counts only
// those weekdays (5 = the last one).
func rule(t *storage.Task, loc *time.Location) (*rrule.RRule, error) {
	start := time.UnixMilli(*t.Start).In(loc)
	opt := rrule.ROption{Dtstart: start, Interval: int(max(val(t.Interval), 1)), Wkst: rrule.MO}
	var weekdays []rrule.Weekday
	days := val(t.Days)
	for _, d := range dayBits {
		if days&d.bit != 0 {
			weekdays = append(weekdays, d.day)
		}
	}
	monthDays := func() {
		dim := int(val(t.DayInMonth))
		switch {
		case t.Days != nil && days != 0:
			opt.Byweekday = weekdays
			if dim >= 5 {
				opt.Bysetpos = []int{-1}
			} else {
				opt.Bysetpos = []int{dim}
			}
		case dim > 28:
			// The latest existing day not after dim: 28..dim, last one.
			for d := 28; d <= dim; d++ {
				opt.Bymonthday = append(opt.Bymonthday, d)
			}
			opt.Bysetpos = []int{-1}
		default:
			opt.Bymonthday = []int{dim}
		}
	}
	switch t.RecurrenceType {
	case recDaily:
		opt.Freq = rrule.DAILY
	case recWeekly:
		opt.Freq = rrule.WEEKLY
		if len(weekdays) == 0 {
			for _, d := range dayBits {
				weekdays = append(weekdays, d.day)
			}
		}
		opt.Byweekday = weekdays
	case recMonthly:
		opt.Freq = rrule.MONTHLY
		monthDays()
	case recYearly:
		opt.Freq = rrule.YEARLY
		opt.Interval = 1
		opt.Bymonth = []int{int(val(t.Month)) + 1}
		monthDays()
	}
	if t.Occurrences != nil && *t.Occurrences > 0 {
		opt.Count = int(*t.Occurrences)
	}
	if t.Until != nil {
		// until is an inclusive Date: the whole day counts.
		d := time.UnixMilli(*t.Until).UTC()
		opt.Until = time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
	}
	return rrule.NewRRule(opt)
}

// occurrences returns up to n start times (UTC ms) of t's series,
// starting with the first one on or after t's start.
func occurrences(t *storage.Task, loc *time.Location, n int) ([]int64, error) {
	r, err := rule(t, loc)
	if err != nil {
		return nil, err
	}
	// rrule works in whole seconds; keep the start's milliseconds.
	frac := *t.Start - time.UnixMilli(*t.Start).Truncate(time.Second).UnixMilli()
	next := r.Iterator()
	var out []int64
	for len(out) < n {
		tm, ok := next()
		if !ok {
			break
		}
		out = append(out, tm.UnixMilli()+frac)
	}
	return out, nil
}

// recurrenceLocation is the zone in which a series is computed: whole-day
// tasks live in UTC (Dates), timed ones in the user's zone so that a
// weekly task stays on its weekday across daylight saving changes.
func recurrenceLocation(t *storage.Task, userZone *time.Location) *time.Location {
	if t.FullTime || userZone == nil {
		return time.UTC
	}
	return userZone
}
