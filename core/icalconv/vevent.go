package icalconv

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"oxlite/core/textenc"
)

// Event is an appointment with AppointmentData's wire field names; times
// are UTC milliseconds (Dates for full_time), `alarm` is minutes before the
// start. A series carries its change exceptions under "exceptions", each
// with "recurrence_original": the UTC start of the occurrence it replaces.
type Event = map[string]any

// EventItem is one VEVENT series (or single event) of a file.
type EventItem struct {
	Event    Event
	Warnings []string
}

// EventResult is what a file holds for a calendar folder.
type EventResult struct {
	Items    []EventItem
	Warnings []string
}

// DecodeEvents reads the VEVENTs of every VCALENDAR in data; VEVENTs with a
// RECURRENCE-ID become exceptions of the series with the same UID.
func DecodeEvents(data []byte, loc *time.Location) (res *EventResult, err error) {
	if loc == nil {
		loc = time.UTC
	}
	text := textenc.Auto(data, textenc.CP1252)
	if depth(text) > maxDepth {
		return nil, &ParseError{"components are nested too deeply"}
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &ParseError{fmt.Sprint(p)}
		}
	}()
	dec := ical.NewDecoder(strings.NewReader(text))
	res = &EventResult{}
	found, todos := false, 0
	byUID := map[string]int{}
	var instances []*ical.Component
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
			case ical.CompEvent:
				if comp.Props.Get(ical.PropRecurrenceID) != nil {
					instances = append(instances, comp)
					continue
				}
				it := fromEvent(comp, loc)
				if uid, _ := it.Event["uid"].(string); uid != "" {
					byUID[uid] = len(res.Items)
				}
				res.Items = append(res.Items, it)
			case ical.CompToDo:
				todos++
			}
		}
	}
	if !found {
		return nil, ErrNoCalendar
	}
	orphans := 0
	for _, comp := range instances {
		uid := textOf(comp.Props.Get(ical.PropUID))
		i, ok := byUID[uid]
		if !ok {
			orphans++
			continue
		}
		ex := fromEvent(comp, loc)
		var ws []string
		rid, _, ok := when(comp.Props.Get(ical.PropRecurrenceID), loc, func(f string, a ...any) { ws = append(ws, fmt.Sprintf(f, a...)) })
		if !ok {
			orphans++
			continue
		}
		ex.Event["recurrence_original"] = rid.UnixMilli()
		delete(ex.Event, "uid")
		for _, k := range []string{"recurrence_type", "days", "day_in_month", "month", "interval", "until", "occurrences", "delete_exceptions"} {
			delete(ex.Event, k)
		}
		list, _ := res.Items[i].Event["exceptions"].([]Event)
		res.Items[i].Event["exceptions"] = append(list, ex.Event)
		res.Items[i].Warnings = append(res.Items[i].Warnings, append(ws, ex.Warnings...)...)
	}
	if todos > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d task(s) (VTODO) left out: the folder is a calendar folder", todos))
	}
	if orphans > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d changed occurrence(s) (RECURRENCE-ID) without their series left out", orphans))
	}
	return res, nil
}

func fromEvent(c *ical.Component, loc *time.Location) EventItem {
	it := EventItem{Event: Event{}}
	e := it.Event
	warn := func(f string, a ...any) { it.Warnings = append(it.Warnings, fmt.Sprintf(f, a...)) }
	if s := textOf(c.Props.Get(ical.PropUID)); s != "" {
		e["uid"] = s
	}
	for prop, field := range map[string]string{ical.PropSummary: "title", ical.PropDescription: "note", ical.PropLocation: "location"} {
		if s := textOf(c.Props.Get(prop)); s != "" {
			e[field] = s
		}
	}
	sp := c.Props.Get(ical.PropDateTimeStart)
	start, isDate, okS := when(sp, loc, warn)
	if !okS {
		warn("DTSTART: missing")
		return it
	}
	if tz := sp.Params.Get(ical.ParamTimezoneID); tz != "" && !isDate {
		if _, err := time.LoadLocation(tz); err == nil {
			e["timezone"] = tz
		}
	}
	end, _, okE := when(c.Props.Get(ical.PropDateTimeEnd), loc, warn)
	if !okE {
		if p := c.Props.Get(ical.PropDuration); p != nil {
			if d, err := p.Duration(); err == nil {
				end, okE = start.Add(d), true
			}
		}
	}
	if !okE {
		end = start
		if isDate {
			end = start.AddDate(0, 0, 1)
		}
	}
	e["full_time"] = isDate
	e["start_date"], e["end_date"] = start.UnixMilli(), end.UnixMilli()
	if p := c.Props.Get(ical.PropRecurrenceRule); p != nil {
		o, err := rrule.StrToROption(p.Value)
		if err != nil {
			warn("RRULE: %v", err)
		} else if err := readRule(o, e, start, true, isDate); err != nil {
			warn("RRULE: %v", err)
		}
	}
	var exdates []any
	for _, p := range c.Props.Values(ical.PropExceptionDates) {
		for _, v := range strings.Split(p.Value, ",") {
			pc := p
			pc.Value = v
			if t, _, ok := when(&pc, loc, warn); ok {
				d := t.UTC()
				exdates = append(exdates, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).UnixMilli())
			}
		}
	}
	if len(exdates) > 0 {
		e["delete_exceptions"] = exdates
	}
	if strings.EqualFold(textOf(c.Props.Get(ical.PropClass)), "PRIVATE") || strings.EqualFold(textOf(c.Props.Get(ical.PropClass)), "CONFIDENTIAL") {
		e["private_flag"] = true
	}
	if strings.EqualFold(textOf(c.Props.Get(ical.PropTransparency)), "TRANSPARENT") {
		e["shown_as"] = int64(4)
	}
	for _, a := range c.Children {
		if a.Name != ical.CompAlarm {
			continue
		}
		if p := a.Props.Get(ical.PropTrigger); p != nil {
			if d, err := p.Duration(); err == nil && d <= 0 {
				e["alarm"] = int64(-d / time.Minute)
			} else if at, _, ok := when(p, loc, warn); ok && err != nil {
				e["alarm"] = int64(start.Sub(at) / time.Minute)
			}
		}
		break
	}
	readAttendees(c, e, warn)
	return it
}

// EncodeEvents writes appointments as one VCALENDAR with a VTIMEZONE for
// every zone used.
func EncodeEvents(w io.Writer, events []Event, users Users) error {
	if len(events) == 0 {
		_, err := io.WriteString(w, emptyCalendar)
		return err
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, prodID)
	zones := map[string]span{}
	var comps []*ical.Component
	for _, e := range events {
		comps = append(comps, toEvent(e, users, zones, 0))
		exs, _ := e["exceptions"].([]Event)
		for _, x := range exs {
			x["uid"] = e["uid"]
			if _, ok := x["timezone"]; !ok {
				x["timezone"] = e["timezone"]
			}
			orig, _ := Int(x["recurrence_original"])
			comps = append(comps, toEvent(x, users, zones, orig))
		}
	}
	names := make([]string, 0, len(zones))
	for name := range zones {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if tz := vtimezone(name, zones[name]); tz != nil {
			cal.Children = append(cal.Children, tz)
		}
	}
	cal.Children = append(cal.Children, comps...)
	return ical.NewEncoder(w).Encode(cal)
}

// EncodeEventsBytes is EncodeEvents into memory.
func EncodeEventsBytes(events []Event, users Users) ([]byte, error) {
	var b bytes.Buffer
	err := EncodeEvents(&b, events, users)
	return b.Bytes(), err
}

func toEvent(e Event, users Users, zones map[string]span, original int64) *ical.Component {
	c := ical.NewComponent(ical.CompEvent)
	uid := str(e, "uid")
	if uid == "" {
		id, _ := Int(e["id"])
		uid = fmt.Sprintf("oxlite-appointment-%d", id)
	}
	c.Props.SetText(ical.PropUID, uid)
	stamp := time.Now().UTC()
	if ms, ok := Int(e["last_modified"]); ok {
		stamp = utc(ms)
		c.Props.SetDateTime(ical.PropLastModified, stamp)
	}
	c.Props.SetDateTime(ical.PropDateTimeStamp, stamp)
	if ms, ok := Int(e["creation_date"]); ok {
		c.Props.SetDateTime(ical.PropCreated, utc(ms))
	}
	for field, prop := range map[string]string{"title": ical.PropSummary, "note": ical.PropDescription, "location": ical.PropLocation} {
		if s := str(e, field); s != "" {
			c.Props.SetText(prop, s)
		}
	}
	fullTime, _ := e["full_time"].(bool)
	loc := time.UTC
	if tz := str(e, "timezone"); tz != "" && !fullTime && !strings.EqualFold(tz, "UTC") {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	at := func(ms int64) time.Time { return time.UnixMilli(ms).In(loc) }
	setWhen := func(name string, ms int64) {
		if fullTime {
			c.Props.SetDate(name, utc(ms))
		} else {
			c.Props.SetDateTime(name, at(ms))
		}
	}
	start, _ := Int(e["start_date"])
	end, _ := Int(e["end_date"])
	setWhen(ical.PropDateTimeStart, start)
	setWhen(ical.PropDateTimeEnd, end)
	if loc != time.UTC {
		last := end
		if u, ok := Int(e["until"]); ok && u > last {
			last = u + 86400000
		}
		if sp, seen := zones[loc.String()]; seen {
			zones[loc.String()] = span{min(sp.from, start), max(sp.to, last)}
		} else {
			zones[loc.String()] = span{start, last}
		}
	}
	if original != 0 {
		setWhen(ical.PropRecurrenceID, original)
	}
	if b, _ := e["private_flag"].(bool); b {
		c.Props.SetText(ical.PropClass, "PRIVATE")
	}
	if s, _ := Int(e["shown_as"]); s == 4 {
		c.Props.SetText(ical.PropTransparency, "TRANSPARENT")
	}
	if r := ruleOf(e, fullTime); r != "" && original == 0 {
		prop := ical.NewProp(ical.PropRecurrenceRule)
		prop.Value = r
		c.Props.Set(prop)
		if dels, _ := e["delete_exceptions"].([]any); len(dels) > 0 {
			st := at(start)
			for _, d := range dels {
				ms, ok := Int(d)
				if !ok {
					continue
				}
				day := utc(ms)
				p := ical.NewProp(ical.PropExceptionDates)
				if fullTime {
					p.SetDate(day)
				} else {
					// The occurrence on that (UTC) day at the series' local time.
					occ := time.Date(day.Year(), day.Month(), day.Day(), st.Hour(), st.Minute(), st.Second(), 0, loc)
					if occ.UTC().YearDay() != day.YearDay() {
						occ = occ.AddDate(0, 0, day.YearDay()-occ.UTC().YearDay())
					}
					p.SetDateTime(occ)
				}
				c.Props.Add(p)
			}
		}
	}
	if n, ok := Int(e["alarm"]); ok && n >= 0 {
		a := ical.NewComponent(ical.CompAlarm)
		a.Props.SetText(ical.PropAction, "DISPLAY")
		desc := str(e, "title")
		if desc == "" {
			desc = "Reminder"
		}
		a.Props.SetText(ical.PropDescription, desc)
		p := ical.NewProp(ical.PropTrigger)
		p.Value = fmt.Sprintf("-PT%dM", n)
		a.Props.Set(p)
		c.Children = append(c.Children, a)
	}
	writeAttendees(c, e, users)
	return c
}

// span is the stretch of time the appointments of one zone cover.
type span struct{ from, to int64 }

// vtimezone describes zone name over sp: every transition from the year
// before the first appointment to the year of the last, years that
// follow one rule merged into an observance with a yearly RRULE, the last
// rule of each kind open-ended (RFC 5545 3.6.5), so readers interpret
// every local time of the file, also of series without end.
func vtimezone(name string, sp span) *ical.Component {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, name)
	fromYear := time.UnixMilli(sp.from).In(loc).Year() - 1
	toYear := max(time.UnixMilli(sp.to).In(loc).Year(), fromYear+1)
	toYear = min(toYear, fromYear+maxZoneYears)
	ts := transitions(loc, fromYear, toYear)
	if len(ts) == 0 {
		t := time.UnixMilli(sp.from).In(loc)
		abbr, off := t.Zone()
		tz.Children = []*ical.Component{tzPart(ical.CompTimezoneStandard, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off)*time.Second), off, off, abbr, "")}
		return tz
	}
	// Group consecutive years that follow the same rule, per kind.
	type group struct {
		first, last transition
		n           int
	}
	var groups []*group
	open := map[string]*group{}
	for _, t := range ts {
		g := open[t.kind]
		if g != nil && g.last.key() == t.key() && t.at.Year() == g.last.at.Year()+1 {
			g.last = t
			g.n++
			continue
		}
		g = &group{first: t, last: t, n: 1}
		open[t.kind] = g
		groups = append(groups, g)
	}
	for _, g := range groups {
		rule := ""
		final := open[g.first.kind] == g && !g.first.oneOff
		if g.n > 1 || final {
			rule = "FREQ=YEARLY;BYMONTH=" + fmt.Sprint(int(g.first.local().Month())) + ";BYDAY=" + g.first.byDay()
			if !final {
				rule += ";UNTIL=" + g.last.at.UTC().Format("20060102T150405Z")
			}
		}
		tz.Children = append(tz.Children, tzPart(g.first.kind, g.first.at, g.first.from, g.first.to, g.first.abbr, rule))
	}
	return tz
}

// maxZoneYears caps the years a VTIMEZONE lists one by one; the last
// rules continue through their RRULEs.
const maxZoneYears = 60

// transition is one change of a zone's offset.
type transition struct {
	at       time.Time // the instant
	from, to int
	abbr     string
	kind     string
	// oneOff marks a transition that is not the zone's current rule: the
	// zone has no further transition of that kind later on.
	oneOff bool
}

// local is the wall time of the transition in the offset before it.
func (t transition) local() time.Time {
	return t.at.UTC().Add(time.Duration(t.from) * time.Second)
}

// byDay is the RRULE weekday of the transition: the n-th or, in the last
// week of the month, the last weekday.
func (t transition) byDay() string {
	l := t.local()
	days := []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[l.Weekday()]
	dim := time.Date(l.Year(), l.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if l.Day() > dim-7 {
		return "-1" + days
	}
	return fmt.Sprint((l.Day()-1)/7+1) + days
}

func (t transition) key() string {
	l := t.local()
	return fmt.Sprint(l.Month(), t.byDay(), l.Format("150405"), t.from, t.to, t.abbr, t.kind)
}

// transitions lists the offset changes of loc in [fromYear, toYear].
func transitions(loc *time.Location, fromYear, toYear int) []transition {
	var out []transition
	t := time.Date(fromYear, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(toYear+1, 1, 1, 0, 0, 0, 0, loc)
	_, prevOff := t.Zone()
	for t.Before(end) {
		next := t.Add(24 * time.Hour)
		if _, off := next.Zone(); off != prevOff {
			lo, hi := t, next
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.Zone(); o == prevOff {
					lo = mid
				} else {
					hi = mid
				}
			}
			abbr, _ := hi.Zone()
			kind := ical.CompTimezoneStandard
			if off > prevOff {
				kind = ical.CompTimezoneDaylight
			}
			out = append(out, transition{at: hi, from: prevOff, to: off, abbr: abbr, kind: kind})
			prevOff = off
			t = hi
			continue
		}
		t = next
	}
	// A zone that stopped changing (no DST any more) must not repeat its
	// last changes forever.
	later := changesAfter(loc, end)
	for i := range out {
		if !later {
			out[i].oneOff = true
		}
	}
	return out
}

// changesAfter reports whether loc still changes its offset within two
// years after t.
func changesAfter(loc *time.Location, t time.Time) bool {
	_, off := t.In(loc).Zone()
	for d := t; d.Before(t.AddDate(2, 0, 0)); d = d.Add(24 * time.Hour) {
		if _, o := d.In(loc).Zone(); o != off {
			return true
		}
	}
	return false
}

func tzPart(kind string, at time.Time, from, to int, abbr, rule string) *ical.Component {
	c := ical.NewComponent(kind)
	p := ical.NewProp(ical.PropDateTimeStart)
	// DTSTART of an observance is local time in the offset before it.
	p.Value = at.UTC().Add(time.Duration(from) * time.Second).Format("20060102T150405")
	c.Props.Set(p)
	for name, v := range map[string]string{ical.PropTimezoneOffsetFrom: offset(from), ical.PropTimezoneOffsetTo: offset(to)} {
		op := ical.NewProp(name)
		op.Value = v
		c.Props.Set(op)
	}
	if abbr != "" {
		c.Props.SetText(ical.PropTimezoneName, abbr)
	}
	if rule != "" {
		rp := ical.NewProp(ical.PropRecurrenceRule)
		rp.Value = rule
		c.Props.Set(rp)
	}
	return c
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
}
