// Package icalconv converts between iCalendar VTODOs and OX task objects,
// held as maps with the wire names of TaskData (spec line 11318) and all
// times as UTC milliseconds (Dates for full-time tasks). Parsing and
// writing go through github.com/emersion/go-ical, recurrence rules through
// github.com/teambition/rrule-go. The package imports no storage.
package icalconv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"oxlite/core/textenc"
)

// Task is a task object with TaskData's wire field names.
type Task = map[string]any

// Item is one VTODO of a file.
type Item struct {
	Task Task
	// Warnings name the parts of the VTODO that were left out.
	Warnings []string
}

// Result is what a file holds.
type Result struct {
	Items []Item
	// Warnings concern the file (components that are not tasks).
	Warnings []string
}

// ErrNoCalendar means the data holds no VCALENDAR.
var ErrNoCalendar = errors.New("icalconv: no iCalendar data found")

// ParseError means go-ical rejected the data.
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return "the iCalendar data cannot be parsed: " + e.Reason }

// maxDepth bounds component nesting: go-ical descends recursively.
const maxDepth = 16

// Decode reads the VTODOs of every VCALENDAR in data. Floating times are
// read in loc. The whole file fails when go-ical cannot parse it.
func Decode(data []byte, loc *time.Location) (res *Result, err error) {
	if loc == nil {
		loc = time.UTC
	}
	text := textenc.Auto(data, textenc.CP1252)
	if depth(text) > maxDepth {
		return nil, &ParseError{"components are nested too deeply"}
	}
	defer func() {
		// go-ical panics on some malformed content lines.
		if p := recover(); p != nil {
			res, err = nil, &ParseError{fmt.Sprint(p)}
		}
	}()
	dec := ical.NewDecoder(strings.NewReader(text))
	res = &Result{}
	found, events, instances := false, 0, 0
	for {
		cal, err := dec.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &ParseError{strings.TrimPrefix(err.Error(), "ical: ")}
		}
		found = true
		for _, comp := range cal.Children {
			switch comp.Name {
			case ical.CompToDo:
				if comp.Props.Get(ical.PropRecurrenceID) != nil {
					instances++
					continue
				}
				res.Items = append(res.Items, fromToDo(comp, loc))
			case ical.CompEvent:
				events++
			}
		}
	}
	if !found {
		return nil, ErrNoCalendar
	}
	if events > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d appointment(s) (VEVENT) left out: the folder is a task folder", events))
	}
	if instances > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d changed occurrence(s) of recurring tasks (RECURRENCE-ID) left out", instances))
	}
	return res, nil
}

func depth(text string) int {
	d, max := 0, 0
	for _, l := range strings.Split(text, "\n") {
		l = strings.ToUpper(strings.TrimSpace(l))
		switch {
		case strings.HasPrefix(l, "BEGIN:"):
			if d++; d > max {
				max = d
			}
		case strings.HasPrefix(l, "END:"):
			d--
		}
	}
	return max
}

func textOf(p *ical.Prop) string {
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		s = p.Value // a stray backslash is kept rather than losing the text
	}
	return clean(s)
}

// clean trims s and turns its line breaks into LF: go-ical cannot write CR.
func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// when reads a DATE or DATE-TIME property; isDate tells which.
func when(p *ical.Prop, loc *time.Location, warn func(string, ...any)) (t time.Time, isDate, ok bool) {
	if p == nil {
		return time.Time{}, false, false
	}
	v := strings.TrimSpace(p.Value)
	if p.ValueType() == ical.ValueDate || len(v) == 8 {
		t, err := time.ParseInLocation("20060102", v, time.UTC)
		if err != nil {
			warn("%s: invalid date %q", p.Name, v)
			return time.Time{}, false, false
		}
		return t, true, true
	}
	pc := *p
	pc.Value = v
	t, err := pc.DateTime(loc)
	if err != nil && pc.Params.Get(ical.ParamTimezoneID) != "" {
		// An unknown TZID (e.g. Outlook's "W. Europe Standard Time"):
		// read the local time in the user's zone.
		warn("%s: unknown time zone %q, read in %s", p.Name, pc.Params.Get(ical.ParamTimezoneID), loc)
		pc.Params = ical.Params{}
		t, err = pc.DateTime(loc)
	}
	if err != nil {
		warn("%s: invalid date-time %q", p.Name, v)
		return time.Time{}, false, false
	}
	return t, false, true
}

func fromToDo(c *ical.Component, loc *time.Location) Item {
	it := Item{Task: Task{}}
	t := it.Task
	warn := func(f string, args ...any) { it.Warnings = append(it.Warnings, fmt.Sprintf(f, args...)) }
	setText := func(field, prop string) {
		if s := textOf(c.Props.Get(prop)); s != "" {
			t[field] = s
		}
	}
	setText("uid", ical.PropUID)
	setText("title", ical.PropSummary)
	setText("note", ical.PropDescription)
	start, sDate, okS := when(c.Props.Get(ical.PropDateTimeStart), loc, warn)
	due, dDate, okD := when(c.Props.Get(ical.PropDue), loc, warn)
	if !okD && okS {
		if p := c.Props.Get(ical.PropDuration); p != nil {
			if d, err := p.Duration(); err == nil {
				due, dDate, okD = start.Add(d), sDate, true
			} else {
				warn("DURATION: invalid value %q", p.Value)
			}
		}
	}
	if okS || okD {
		t["full_time"] = (!okS || sDate) && (!okD || dDate)
	}
	if okS {
		t["start_time"] = start.UnixMilli()
	}
	if okD {
		t["end_time"] = due.UnixMilli()
	}
	status := 0
	switch strings.ToUpper(textOf(c.Props.Get(ical.PropStatus))) {
	case "NEEDS-ACTION":
		status = 1
	case "IN-PROCESS":
		status = 2
	case "COMPLETED":
		status = 3
	case "CANCELLED":
		status = 5
	}
	if n, err := strconv.Atoi(textOf(c.Props.Get("X-OX-STATUS"))); err == nil && n >= 1 && n <= 5 {
		status = n
	}
	if status > 0 {
		t["status"] = int64(status)
	}
	if p := c.Props.Get(ical.PropPriority); p != nil {
		switch n, err := strconv.Atoi(strings.TrimSpace(p.Value)); {
		case err != nil || n < 0 || n > 9:
			warn("PRIORITY: invalid value %q", p.Value)
		case n >= 1 && n <= 4:
			t["priority"] = int64(3)
		case n == 5:
			t["priority"] = int64(2)
		case n >= 6:
			t["priority"] = int64(1)
		}
	}
	if p := c.Props.Get(ical.PropPercentComplete); p != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil && n >= 0 && n <= 100 {
			t["percent_completed"] = int64(n)
		} else {
			warn("PERCENT-COMPLETE: invalid value %q", p.Value)
		}
	}
	if done, _, ok := when(c.Props.Get(ical.PropCompleted), loc, warn); ok {
		t["date_completed"] = done.UnixMilli()
	}
	var cats []string
	for _, p := range c.Props.Values(ical.PropCategories) {
		l, err := p.TextList()
		if err != nil {
			l = strings.Split(p.Value, ",")
		}
		for _, x := range l {
			if x = clean(x); x != "" && !strings.Contains(x, ",") {
				cats = append(cats, x)
			}
		}
	}
	if len(cats) > 0 {
		t["categories"] = strings.Join(cats, ",")
	}
	switch strings.ToUpper(textOf(c.Props.Get(ical.PropClass))) {
	case "PRIVATE", "CONFIDENTIAL":
		t["private_flag"] = true
	}
	readAlarm(c, t, start, okS, due, okD, loc, warn)
	if p := c.Props.Get(ical.PropRecurrenceRule); p != nil {
		o, err := rrule.StrToROption(p.Value)
		if err != nil {
			warn("RRULE: %v", err)
		} else if err := readRule(o, t, start, okS, sDate); err != nil {
			warn("RRULE %q: %v", p.Value, err)
		}
	}
	readAttendees(c, t, warn)
	for _, x := range extras {
		p := c.Props.Get(x.prop)
		if p == nil {
			continue
		}
		s := textOf(p)
		if x.number {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 9999999999.99 {
				warn("%s: invalid number %q", x.prop, s)
				continue
			}
			t[x.field] = f
		} else if s != "" {
			t[x.field] = s
		}
	}
	if p := c.Props.Get("X-OX-COLOR-LABEL"); p != nil {
		if n, err := strconv.Atoi(textOf(p)); err == nil && n >= 1 && n <= 10 {
			t["color_label"] = int64(n)
		}
	}
	return it
}

// extras are task fields iCalendar has no property for.
var extras = []struct {
	field, prop string
	number      bool
}{
	{"actual_costs", "X-OX-ACTUAL-COSTS", true},
	{"target_costs", "X-OX-TARGET-COSTS", true},
	{"currency", "X-OX-CURRENCY", false},
	{"billing_information", "X-OX-BILLING-INFORMATION", false},
	{"companies", "X-OX-COMPANIES", false},
	{"trip_meter", "X-OX-TRIP-METER", false},
	{"actual_duration", "X-OX-ACTUAL-DURATION", false},
	{"target_duration", "X-OX-TARGET-DURATION", false},
}

func readAlarm(c *ical.Component, t Task, start time.Time, okS bool, due time.Time, okD bool, loc *time.Location, warn func(string, ...any)) {
	for _, a := range c.Children {
		if a.Name != ical.CompAlarm {
			continue
		}
		p := a.Props.Get(ical.PropTrigger)
		if p == nil {
			continue
		}
		if p.ValueType() == ical.ValueDateTime || strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE-TIME") {
			if at, _, ok := when(p, loc, warn); ok {
				t["alarm"] = at.UnixMilli()
			}
			return
		}
		d, err := p.Duration()
		if err != nil {
			warn("TRIGGER: invalid value %q", p.Value)
			return
		}
		anchor, ok := start, okS
		if strings.EqualFold(p.Params.Get(ical.ParamRelated), "END") {
			anchor, ok = due, okD
		}
		if !ok {
			warn("TRIGGER %q: the task has no time it could be relative to", p.Value)
			return
		}
		t["alarm"] = anchor.Add(d).UnixMilli()
		return
	}
}

// Day bits of the OX `days` field: bit 0 is Sunday.
var weekdays = []rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}

func dayBit(w rrule.Weekday) int64 { return 1 << ((w.Day() + 1) % 7) }

// readRule maps an RRULE onto the OX recurrence fields (spec lines
// 11318ff.: recurrence_type, interval, days, day_in_month, month,
// occurrences, until).
func readRule(o *rrule.ROption, t Task, start time.Time, okS, fullTime bool) error {
	if len(o.Byyearday)+len(o.Byweekno)+len(o.Byhour)+len(o.Byminute)+len(o.Bysecond)+len(o.Byeaster) > 0 {
		return errors.New("BYYEARDAY, BYWEEKNO and time parts have no OX equivalent")
	}
	interval := int64(o.Interval)
	if interval < 1 {
		interval = 1
	}
	if interval >= 1<<31 || o.Count >= 1<<31 {
		return errors.New("INTERVAL or COUNT out of range")
	}
	var days int64
	for _, w := range o.Byweekday {
		days |= dayBit(w)
	}
	out := Task{"interval": interval}
	// dayOfMonth fills day_in_month (and days) of monthly and yearly rules.
	dayOfMonth := func() error {
		switch {
		case len(o.Bymonthday) == 1 && len(o.Byweekday) == 0 && len(o.Bysetpos) == 0:
			d := o.Bymonthday[0]
			if d == -1 {
				d = 31 // OX takes the last day when the month is shorter
			}
			if d < 1 || d > 31 {
				return fmt.Errorf("BYMONTHDAY=%d", o.Bymonthday[0])
			}
			out["day_in_month"] = int64(d)
		case len(o.Byweekday) == 1 && len(o.Bysetpos) == 0 && len(o.Bymonthday) == 0:
			w := o.Byweekday[0]
			n := w.N()
			if n == -1 {
				n = 5
			}
			if n < 1 || n > 5 {
				return fmt.Errorf("BYDAY=%s", w.String())
			}
			out["days"], out["day_in_month"] = days, int64(n)
		case len(o.Byweekday) > 0 && len(o.Bysetpos) == 1 && len(o.Bymonthday) == 0:
			for _, w := range o.Byweekday {
				if w.N() != 0 {
					return fmt.Errorf("BYDAY=%s with BYSETPOS", w.String())
				}
			}
			n := o.Bysetpos[0]
			if n == -1 {
				n = 5
			}
			if n < 1 || n > 5 {
				return fmt.Errorf("BYSETPOS=%d", o.Bysetpos[0])
			}
			out["days"], out["day_in_month"] = days, int64(n)
		case len(o.Bymonthday)+len(o.Byweekday)+len(o.Bysetpos) == 0 && okS:
			out["day_in_month"] = int64(start.Day())
		default:
			return errors.New("this combination of BYMONTHDAY, BYDAY and BYSETPOS has no OX equivalent")
		}
		return nil
	}
	switch o.Freq {
	case rrule.DAILY:
		if len(o.Bymonth)+len(o.Bymonthday)+len(o.Bysetpos) > 0 {
			return errors.New("daily rules with BYMONTH, BYMONTHDAY or BYSETPOS have no OX equivalent")
		}
		out["recurrence_type"] = int64(1)
		if days != 0 {
			out["recurrence_type"], out["days"] = int64(2), days
		}
	case rrule.WEEKLY:
		if len(o.Bymonth)+len(o.Bymonthday)+len(o.Bysetpos) > 0 {
			return errors.New("weekly rules with BYMONTH, BYMONTHDAY or BYSETPOS have no OX equivalent")
		}
		for _, w := range o.Byweekday {
			if w.N() != 0 {
				return fmt.Errorf("BYDAY=%s in a weekly rule", w.String())
			}
		}
		if days == 0 {
			if !okS {
				return errors.New("a weekly rule without BYDAY needs DTSTART")
			}
			days = 1 << int(start.Weekday())
		}
		out["recurrence_type"], out["days"] = int64(2), days
	case rrule.MONTHLY:
		if len(o.Bymonth) > 0 {
			return errors.New("monthly rules with BYMONTH have no OX equivalent")
		}
		out["recurrence_type"] = int64(3)
		if err := dayOfMonth(); err != nil {
			return err
		}
	case rrule.YEARLY:
		out["recurrence_type"] = int64(4)
		switch {
		case len(o.Bymonth) == 1 && o.Bymonth[0] >= 1 && o.Bymonth[0] <= 12:
			out["month"] = int64(o.Bymonth[0] - 1)
		case len(o.Bymonth) == 0 && okS:
			out["month"] = int64(start.Month() - 1)
		default:
			return errors.New("yearly rules need one BYMONTH or DTSTART")
		}
		if err := dayOfMonth(); err != nil {
			return err
		}
		// "Must be 1 if recurrence_type = 4" (TaskData.interval).
		out["interval"] = int64(1)
	default:
		return fmt.Errorf("FREQ=%v has no OX equivalent", o.Freq)
	}
	if o.Count > 0 {
		out["occurrences"] = int64(o.Count)
	}
	if !o.Until.IsZero() {
		u := o.Until.UTC()
		out["until"] = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	for k, v := range out {
		t[k] = v
	}
	return nil
}

var partstat = map[string]int64{"NEEDS-ACTION": 0, "ACCEPTED": 1, "DECLINED": 2, "TENTATIVE": 3}

func readAttendees(c *ical.Component, t Task, warn func(string, ...any)) {
	var parts, confs []any
	seen := map[string]bool{}
	for _, p := range c.Props.Values(ical.PropAttendee) {
		mail := strings.TrimSpace(p.Value)
		if len(mail) >= 7 && strings.EqualFold(mail[:7], "mailto:") {
			mail = strings.TrimSpace(mail[7:])
		}
		if !validMail(mail) {
			warn("ATTENDEE %q: not a mail address", p.Value)
			continue
		}
		if seen[strings.ToLower(mail)] {
			continue
		}
		seen[strings.ToLower(mail)] = true
		part := map[string]any{"type": int64(5), "mail": mail}
		conf := map[string]any{"type": int64(5), "mail": mail, "status": int64(0)}
		if cn := strings.TrimSpace(p.Params.Get(ical.ParamCommonName)); cn != "" {
			part["display_name"], conf["display_name"] = cn, cn
		}
		if s, ok := partstat[strings.ToUpper(p.Params.Get(ical.ParamParticipationStatus))]; ok {
			conf["status"] = s
		}
		parts, confs = append(parts, part), append(confs, conf)
	}
	if len(parts) > 0 {
		t["participants"], t["confirmations"] = parts, confs
	}
}

// validMail is the plausibility check the contact module applies to mail
// fields: one "@" with text on both sides, no blanks, controls or
// address-list punctuation.
func validMail(s string) bool {
	at := strings.LastIndex(s, "@")
	if at <= 0 || at == len(s)-1 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || strings.ContainsRune("<>,;\"", r)
	})
}

// --- writing ---------------------------------------------------------

// Person is an internal user as an attendee.
type Person struct{ Name, Mail string }

// Users resolves internal user ids of participants; nil leaves them out.
type Users func(id int64) (Person, bool)

// Int reads a JSON number of any decoded form.
func Int(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<62 {
			return int64(n), true
		}
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func str(t map[string]any, k string) string {
	s, _ := t[k].(string)
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// param keeps a parameter value encodable: go-ical refuses double quotes
// and would write line breaks as they are.
func param(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '"':
			return '\''
		case '\r', '\n':
			return ' '
		}
		return r
	}, s)
}

func utc(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// ToToDo maps a task onto a VTODO.
func ToToDo(t Task, users Users) *ical.Component {
	c := ical.NewComponent(ical.CompToDo)
	uid := str(t, "uid")
	if uid == "" {
		id, _ := Int(t["id"])
		uid = fmt.Sprintf("oxlite-task-%d", id)
	}
	c.Props.SetText(ical.PropUID, uid)
	stamp := time.Now().UTC()
	if ms, ok := Int(t["last_modified"]); ok {
		stamp = utc(ms)
		c.Props.SetDateTime(ical.PropLastModified, stamp)
	}
	c.Props.SetDateTime(ical.PropDateTimeStamp, stamp)
	if ms, ok := Int(t["creation_date"]); ok {
		c.Props.SetDateTime(ical.PropCreated, utc(ms))
	}
	if s := str(t, "title"); s != "" {
		c.Props.SetText(ical.PropSummary, s)
	}
	if s := str(t, "note"); s != "" {
		c.Props.SetText(ical.PropDescription, s)
	}
	fullTime, _ := t["full_time"].(bool)
	setWhen := func(name, field string) {
		if ms, ok := Int(t[field]); ok {
			if fullTime {
				c.Props.SetDate(name, utc(ms))
			} else {
				c.Props.SetDateTime(name, utc(ms))
			}
		}
	}
	setWhen(ical.PropDateTimeStart, "start_time")
	setWhen(ical.PropDue, "end_time")
	if s, ok := Int(t["status"]); ok && s >= 1 && s <= 5 {
		c.Props.SetText(ical.PropStatus, []string{"", "NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "NEEDS-ACTION", "CANCELLED"}[s])
		if s == 4 {
			c.Props.SetText("X-OX-STATUS", "4")
		}
	}
	if p, ok := Int(t["priority"]); ok && p >= 1 && p <= 3 {
		prop := ical.NewProp(ical.PropPriority)
		prop.Value = []string{"", "9", "5", "1"}[p]
		c.Props.Set(prop)
	}
	if p, ok := Int(t["percent_completed"]); ok && p >= 0 && p <= 100 {
		prop := ical.NewProp(ical.PropPercentComplete)
		prop.Value = strconv.FormatInt(p, 10)
		c.Props.Set(prop)
	}
	if ms, ok := Int(t["date_completed"]); ok {
		c.Props.SetDateTime(ical.PropCompleted, utc(ms))
	}
	var cats []string
	for _, x := range strings.Split(str(t, "categories"), ",") {
		if x = strings.TrimSpace(x); x != "" {
			cats = append(cats, x)
		}
	}
	if len(cats) > 0 {
		prop := ical.NewProp(ical.PropCategories)
		prop.SetTextList(cats)
		c.Props.Set(prop)
	}
	if b, _ := t["private_flag"].(bool); b {
		c.Props.SetText(ical.PropClass, "PRIVATE")
	}
	if r := ruleOf(t, fullTime); r != "" {
		prop := ical.NewProp(ical.PropRecurrenceRule)
		prop.Value = r
		c.Props.Set(prop)
	}
	if ms, ok := Int(t["alarm"]); ok {
		a := ical.NewComponent(ical.CompAlarm)
		a.Props.SetText(ical.PropAction, "DISPLAY")
		desc := str(t, "title")
		if desc == "" {
			desc = "Reminder"
		}
		a.Props.SetText(ical.PropDescription, desc)
		a.Props.SetDateTime(ical.PropTrigger, utc(ms))
		c.Children = append(c.Children, a)
	}
	writeAttendees(c, t, users)
	for _, x := range extras {
		switch v := t[x.field].(type) {
		case string:
			if s := str(t, x.field); s != "" {
				c.Props.SetText(x.prop, s)
			}
		case nil:
		default:
			if f, ok := number(v); ok {
				prop := ical.NewProp(x.prop)
				prop.Value = strconv.FormatFloat(f, 'f', -1, 64)
				c.Props.Set(prop)
			}
		}
	}
	if n, ok := Int(t["color_label"]); ok && n > 0 {
		prop := ical.NewProp("X-OX-COLOR-LABEL")
		prop.Value = strconv.FormatInt(n, 10)
		c.Props.Set(prop)
	}
	return c
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case interface{ Float64() (float64, error) }:
		f, err := n.Float64()
		return f, err == nil
	}
	if i, ok := Int(v); ok {
		return float64(i), true
	}
	return 0, false
}

func ruleOf(t Task, fullTime bool) string {
	typ, _ := Int(t["recurrence_type"])
	if typ < 1 || typ > 4 {
		return ""
	}
	o := rrule.ROption{Interval: 1}
	if n, ok := Int(t["interval"]); ok && n > 0 && n < 1<<31 {
		o.Interval = int(n)
	}
	days, hasDays := Int(t["days"])
	dim, _ := Int(t["day_in_month"])
	weekdayList := func(bits int64) []rrule.Weekday {
		var l []rrule.Weekday
		for i, w := range weekdays {
			if bits&(1<<i) != 0 {
				l = append(l, w)
			}
		}
		return l
	}
	monthDay := func() bool {
		if hasDays && days&127 != 0 {
			pos := int(dim)
			if pos == 5 {
				pos = -1
			}
			if pos < -1 || pos == 0 || pos > 5 {
				return false
			}
			o.Byweekday, o.Bysetpos = weekdayList(days&127), []int{pos}
			return true
		}
		if dim < 1 || dim > 31 {
			return false
		}
		o.Bymonthday = []int{int(dim)}
		return true
	}
	switch typ {
	case 1:
		o.Freq = rrule.DAILY
	case 2:
		o.Freq = rrule.WEEKLY
		if !hasDays || days&127 == 0 {
			days = 127
		}
		o.Byweekday = weekdayList(days & 127)
	case 3:
		o.Freq = rrule.MONTHLY
		if !monthDay() {
			return ""
		}
	case 4:
		o.Freq = rrule.YEARLY
		m, _ := Int(t["month"])
		if m < 0 || m > 11 {
			return ""
		}
		o.Bymonth = []int{int(m) + 1}
		if !monthDay() {
			return ""
		}
	}
	if n, ok := Int(t["occurrences"]); ok && n > 0 && n < 1<<31 {
		o.Count = int(n)
	}
	until, hasUntil := Int(t["until"])
	if hasUntil {
		// until is an inclusive Date: the whole day belongs to the series.
		u := utc(until)
		o.Until = time.Date(u.Year(), u.Month(), u.Day(), 23, 59, 59, 0, time.UTC)
	}
	s := o.RRuleString()
	if hasUntil && fullTime {
		// With a DATE DTSTART, UNTIL must be a DATE too (RFC 5545 3.3.10).
		s = strings.Replace(s, o.Until.Format("20060102T150405Z"), o.Until.Format("20060102"), 1)
	}
	return s
}

func writeAttendees(c *ical.Component, t Task, users Users) {
	status := map[string]int64{}
	if confs, ok := t["confirmations"].([]any); ok {
		for _, x := range confs {
			m, _ := x.(map[string]any)
			if mail := str(m, "mail"); mail != "" {
				if s, ok := Int(m["status"]); ok {
					status[strings.ToLower(mail)] = s
				}
			}
		}
	}
	userConfirm := map[int64]int64{}
	if us, ok := t["users"].([]any); ok {
		for _, x := range us {
			m, _ := x.(map[string]any)
			if id, ok := Int(m["id"]); ok {
				if s, ok := Int(m["confirm"]); ok {
					userConfirm[id] = s
				}
			}
		}
	}
	names := []string{"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE"}
	add := func(name, mail string, st int64, hasStatus bool) {
		if mail == "" {
			return
		}
		p := ical.NewProp(ical.PropAttendee)
		p.Value = "mailto:" + strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, mail)
		if name = param(name); name != "" {
			p.Params.Set(ical.ParamCommonName, name)
		}
		if hasStatus && st >= 0 && st <= 3 {
			p.Params.Set(ical.ParamParticipationStatus, names[st])
		}
		c.Props.Add(p)
	}
	parts, _ := t["participants"].([]any)
	for _, x := range parts {
		m, _ := x.(map[string]any)
		typ, _ := Int(m["type"])
		switch typ {
		case 5:
			mail := str(m, "mail")
			st, has := status[strings.ToLower(mail)]
			add(str(m, "display_name"), mail, st, has)
		case 1:
			id, ok := Int(m["id"])
			if !ok || users == nil {
				continue
			}
			if p, ok := users(id); ok {
				st, has := userConfirm[id]
				add(p.Name, p.Mail, st, has)
			}
		}
	}
}

// emptyCalendar is written for a folder without tasks: go-ical refuses to
// encode a VCALENDAR without components.
const emptyCalendar = "BEGIN:VCALENDAR\r\nPRODID:" + prodID + "\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

const prodID = "-//oxlite//oxlite//EN"

// Encode writes tasks as one VCALENDAR.
func Encode(w io.Writer, tasks []Task, users Users) error {
	if len(tasks) == 0 {
		_, err := io.WriteString(w, emptyCalendar)
		return err
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, prodID)
	for _, t := range tasks {
		cal.Children = append(cal.Children, ToToDo(t, users))
	}
	return ical.NewEncoder(w).Encode(cal)
}

// EncodeBytes is Encode into memory.
func EncodeBytes(tasks []Task, users Users) ([]byte, error) {
	var b bytes.Buffer
	err := Encode(&b, tasks, users)
	return b.Bytes(), err
}
