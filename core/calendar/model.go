package calendar

import (
	"encoding/json"
	"time"

	"github.com/teambition/rrule-go"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// Participant is one entry of `participants` (type 1 user, 2 group,
// 3 resource, 5 external); externals carry their confirmation.
type Participant struct {
	ID           int64  `json:"id,omitempty"`
	Type         int    `json:"type"`
	Mail         string `json:"mail,omitempty"`
	DisplayName  string `json:"display_name,omitempty"`
	Confirmation int    `json:"confirmation,omitempty"`
	Message      string `json:"confirmmessage,omitempty"`
}

// UserConf is one entry of `users`: an internal user and their status.
type UserConf struct {
	ID           int64  `json:"id"`
	Confirmation int    `json:"confirmation"`
	Message      string `json:"confirmmessage,omitempty"`
}

// appt is a decoded stored appointment, or one occurrence of a series
// (Start/End/Pos of the occurrence).
type appt struct {
	*storage.Appointment
	fields       map[string]any
	participants []Participant
	users        []UserConf
	delExc       []int64
	changeExc    []int64
	start, end   int64
	pos          int64
	// shown is the folder the row was found through (0: the reader's).
	shown int64
	// seed holds the initial confirmations of users an import names.
	seed map[int64]int
	// raw: participants and users are as stored, so their stored JSON is
	// their wire form.
	raw bool
	// starts caches the occurrence starts of a finite series (readCache).
	starts []int64
}

func decode(a *storage.Appointment) *appt {
	v := &appt{Appointment: a, start: a.Start, end: a.End, pos: a.RecurrencePosition}
	_ = json.Unmarshal([]byte(a.Fields), &v.fields)
	if v.fields == nil {
		v.fields = map[string]any{}
	}
	_ = json.Unmarshal([]byte(a.Participants), &v.participants)
	_ = json.Unmarshal([]byte(a.Users), &v.users)
	_ = json.Unmarshal([]byte(a.DeleteExceptions), &v.delExc)
	v.legacyAlarm()
	return v
}

// encode writes the decoded parts back into the stored row.
func (v *appt) encode() {
	b, _ := json.Marshal(v.fields)
	v.Fields = string(b)
	if v.participants == nil {
		v.participants = []Participant{}
	}
	b, _ = json.Marshal(v.participants)
	v.Participants = string(b)
	if v.users == nil {
		v.users = []UserConf{}
	}
	b, _ = json.Marshal(v.users)
	v.Users = string(b)
	if v.delExc == nil {
		v.delExc = []int64{}
	}
	b, _ = json.Marshal(v.delExc)
	v.DeleteExceptions = string(b)
}

func (v *appt) isMaster() bool { return v.RecurrenceType != 0 && v.RecurrencePosition == 0 }

func (v *appt) user(id int64) *UserConf {
	for i := range v.users {
		if v.users[i].ID == id {
			return &v.users[i]
		}
	}
	return nil
}

// zone is where the series is computed: whole-day ones in UTC (Dates),
// timed ones in their own zone so a 09:00 meeting stays at 09:00.
func (v *appt) zone() *time.Location {
	if v.FullTime {
		return time.UTC
	}
	return protocol.LoadLocation(v.TimeZone)
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

var dayBits = []struct {
	bit int64
	day rrule.Weekday
}{{1, rrule.SU}, {2, rrule.MO}, {4, rrule.TU}, {8, rrule.WE}, {16, rrule.TH}, {32, rrule.FR}, {64, rrule.SA}}

// rule translates the OX recurrence fields into an RRULE anchored at the
// series start in the appointment's zone.
func rule(a *storage.Appointment, loc *time.Location) (*rrule.RRule, error) {
	start := time.UnixMilli(a.Start).In(loc)
	opt := rrule.ROption{Dtstart: start, Interval: int(max(val(a.Interval), 1)), Wkst: rrule.MO}
	var weekdays []rrule.Weekday
	days := val(a.Days)
	for _, d := range dayBits {
		if days&d.bit != 0 {
			weekdays = append(weekdays, d.day)
		}
	}
	monthDays := func() {
		dim := int(val(a.DayInMonth))
		switch {
		case days != 0:
			opt.Byweekday = weekdays
			if dim >= 5 {
				opt.Bysetpos = []int{-1}
			} else {
				opt.Bysetpos = []int{dim}
			}
		case dim > 28:
			for d := 28; d <= dim; d++ {
				opt.Bymonthday = append(opt.Bymonthday, d)
			}
			opt.Bysetpos = []int{-1}
		default:
			opt.Bymonthday = []int{dim}
		}
	}
	switch a.RecurrenceType {
	case 1:
		opt.Freq = rrule.DAILY
	case 2:
		opt.Freq = rrule.WEEKLY
		if len(weekdays) == 0 {
			weekdays = []rrule.Weekday{[]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[start.Weekday()]}
		}
		opt.Byweekday = weekdays
	case 3:
		opt.Freq = rrule.MONTHLY
		monthDays()
	case 4:
		opt.Freq = rrule.YEARLY
		opt.Interval = 1
		opt.Bymonth = []int{int(val(a.Month)) + 1}
		monthDays()
	}
	if a.Occurrences != nil && *a.Occurrences > 0 {
		opt.Count = int(*a.Occurrences)
	}
	if a.Until != nil {
		// until is an inclusive Date: the whole day counts.
		d := time.UnixMilli(*a.Until).UTC()
		opt.Until = time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
	}
	return rrule.NewRRule(opt)
}

// maxOccurrences caps series expansion (the reference server caps too).
const maxOccurrences = 100000

// each calls fn with every occurrence start (UTC ms) and its 1-based
// position until fn answers false or the series ends.
func each(a *storage.Appointment, fn func(start, pos int64) bool) error {
	loc := time.UTC
	if !a.FullTime {
		loc = protocol.LoadLocation(a.TimeZone)
	}
	r, err := rule(a, loc)
	if err != nil {
		return err
	}
	frac := a.Start - time.UnixMilli(a.Start).Truncate(time.Second).UnixMilli()
	next := r.Iterator()
	for pos := int64(1); pos <= maxOccurrences; pos++ {
		tm, ok := next()
		if !ok {
			return nil
		}
		if !fn(tm.UnixMilli()+frac, pos) {
			return nil
		}
	}
	return nil
}

func infinite(a *storage.Appointment) bool {
	return a.RecurrenceType != 0 && a.Until == nil && (a.Occurrences == nil || *a.Occurrences <= 0)
}

// rangeEnd is the end of the series' last occurrence (nil: infinite).
func rangeEnd(a *storage.Appointment) (*int64, error) {
	if a.RecurrenceType == 0 || a.RecurrencePosition != 0 {
		e := a.End
		return &e, nil
	}
	if infinite(a) {
		return nil, nil
	}
	last := a.Start
	if err := each(a, func(s, _ int64) bool { last = s; return true }); err != nil {
		return nil, err
	}
	e := last + (a.End - a.Start)
	return &e, nil
}

// inRange is the one range rule: [s,e) meets [start,end).
func inRange(s, e, start, end int64) bool {
	return s < end && (e > start || (s == e && s >= start))
}

// occurrencesIn expands a master into its occurrences meeting [start,end),
// skipping delete and change exceptions.
func (v *appt) occurrencesIn(start, end int64) ([]*appt, error) {
	dur := v.End - v.Start
	skip := map[int64]bool{}
	for _, d := range v.delExc {
		skip[d] = true
	}
	for _, d := range v.changeExc {
		skip[d] = true
	}
	var out []*appt
	add := func(s, pos int64) {
		if inRange(s, s+dur, start, end) && !skip[protocol.ToDate(s)] {
			o := *v
			o.start, o.end, o.pos = s, s+dur, pos
			out = append(out, &o)
		}
	}
	if v.startsIn(start, end, dur, add) {
		return out, nil
	}
	err := each(v.Appointment, func(s, pos int64) bool {
		if s >= end {
			return false
		}
		if inRange(s, s+dur, start, end) && !skip[protocol.ToDate(s)] {
			o := *v
			o.start, o.end, o.pos = s, s+dur, pos
			out = append(out, &o)
		}
		return true
	})
	return out, err
}

// occurrence finds position pos of the series (ok false when absent).
func (v *appt) occurrence(pos int64) (start int64, ok bool, err error) {
	err = each(v.Appointment, func(s, p int64) bool {
		if p == pos {
			start, ok = s, true
			return false
		}
		return true
	})
	return
}

// positionOfDate finds the position of the occurrence on the given Date.
func (v *appt) positionOfDate(date int64) (pos int64, ok bool, err error) {
	err = each(v.Appointment, func(s, p int64) bool {
		if protocol.ToDate(s) == date {
			pos, ok = p, true
			return false
		}
		return protocol.ToDate(s) < date
	})
	return
}
