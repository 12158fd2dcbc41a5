package icalconv

import (
	"bytes"
	"fmt"
	"io"
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
	zones := map[string]int64{}
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
	for name, at := range zones {
		if tz := vtimezone(name, at); tz != nil {
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

func toEvent(e Event, users Users, zones map[string]int64, original int64) *ical.Component {
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
		if _, seen := zones[loc.String()]; !seen {
			zones[loc.String()] = start
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

// vtimezone describes zone name around instant at (ms): the offsets in
// force in that year and the instants they change, enough for any
// reader to interpret the local times of the file.
func vtimezone(name string, at int64) *ical.Component {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, name)
	year := time.UnixMilli(at).In(loc).Year()
	t := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	endT := time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	name0, off0 := t.Zone()
	var parts []*ical.Component
	prevOff := off0
	for t.Before(endT) {
		next := t.Add(time.Hour)
		if _, off := next.Zone(); off != prevOff {
			// Find the exact transition within the hour.
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
			parts = append(parts, tzPart(kind, hi, prevOff, off, abbr))
			prevOff = off
		}
		t = next
	}
	if len(parts) == 0 {
		parts = append(parts, tzPart(ical.CompTimezoneStandard, time.Date(1970, 1, 1, 0, 0, 0, 0, loc), off0, off0, name0))
	}
	tz.Children = parts
	return tz
}

func tzPart(kind string, at time.Time, from, to int, abbr string) *ical.Component {
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
	return c
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
}
