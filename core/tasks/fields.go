package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// partIn is one element of a `participants` body array.
type partIn struct {
	Type        int
	ID          int64
	Mail        string
	DisplayName string
}

// edit is a parsed TaskData body applied onto a task.
type edit struct {
	// has lists the body's keys that were applied.
	has map[string]bool
	// participants is set when the body carries `participants`.
	participants []partIn
	hasParts     bool
	// folder is the body's folder_id (create: the folder; update: a move).
	folder    int64
	hasFolder bool
	// alarm is the caller's new alarm (UTC ms); alarmSet with a nil alarm
	// removes it.
	alarm    *int64
	alarmSet bool
	// statusAndPercent: both came in the body (OX checks their relation
	// only then).
	statusAndPercent bool
}

// Text limits (the reference server's column sizes).
var textLimits = map[string]int{
	"title": 256, "categories": 255, "billing_information": 255, "currency": 10,
	"trip_meter": 255, "companies": 255, "note": 65535, "uid": 1024,
}

const maxCosts = 9999999999.99

// decodeObject reads the request body as a JSON object.
func decodeObject(req *protocol.Request) (map[string]any, error) {
	var body map[string]any
	if err := req.DecodeBody(&body); err != nil {
		return nil, err
	}
	if body == nil {
		return nil, protocol.ErrJSON.New("the body must be a JSON object")
	}
	return body, nil
}

func bad(field, want string) error {
	return ErrInvalidData.New(fmt.Sprintf("%s must be %s", field, want))
}

// number reads an integer given as a JSON number or a numeric string.
func number(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, true
		}
		f, err := x.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int64(f), true
		}
		return 0, false
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return pim.ParseID(v)
}

func float(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func optInt(body map[string]any, key string) (p *int64, present bool, err error) {
	v, ok := body[key]
	if !ok {
		return nil, false, nil
	}
	if v == nil {
		return nil, true, nil
	}
	n, ok := number(v)
	if !ok {
		return nil, true, bad(key, "a number")
	}
	return &n, true, nil
}

func optString(body map[string]any, key string) (p *string, present bool, err error) {
	v, ok := body[key]
	if !ok {
		return nil, false, nil
	}
	if v == nil {
		return nil, true, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, true, bad(key, "a string")
	}
	if limit := textLimits[key]; limit > 0 && utf8.RuneCountInString(s) > limit {
		return nil, true, ErrTruncated.New(key, utf8.RuneCountInString(s), limit)
	}
	if strings.ContainsRune(s, 0) {
		return nil, true, ErrInvalidData.New(key + " contains a NUL character")
	}
	return &s, true, nil
}

func optBool(body map[string]any, key string) (b bool, present bool, err error) {
	v, ok := body[key]
	if !ok {
		return false, false, nil
	}
	switch x := v.(type) {
	case nil:
		return false, true, nil
	case bool:
		return x, true, nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true, nil
		case "false", "":
			return false, true, nil
		}
	}
	return false, true, bad(key, "a boolean")
}

// apply merges body into t (a copy of the stored task, or a fresh one on
// create). loc converts Time values; it is the `timezone` parameter's or
// the user's zone.
func apply(body map[string]any, t *storage.Task, loc *time.Location, create bool) (*edit, error) {
	e := &edit{has: map[string]bool{}}
	mark := func(k string, present bool) {
		if present {
			e.has[k] = true
		}
	}
	// Strings.
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"title", &t.Title}, {"note", &t.Note}, {"categories", &t.Categories}, {"billing_information", &t.Billing},
		{"currency", &t.Currency}, {"trip_meter", &t.TripMeter}, {"companies", &t.Companies},
	} {
		s, ok, err := optString(body, f.key)
		if err != nil {
			return nil, err
		}
		if ok {
			*f.dst = s
		}
		mark(f.key, ok)
	}
	if s, ok, err := optString(body, "uid"); err != nil {
		return nil, err
	} else if ok && s != nil && *s != "" {
		if !create && *s != t.UID {
			return nil, ErrNoUIDChange.New()
		}
		t.UID = *s
	}
	// Booleans.
	if b, ok, err := optBool(body, "private_flag"); err != nil {
		return nil, err
	} else if ok {
		t.Private = b
		mark("private_flag", true)
	}
	fullTime, hasFull, err := optBool(body, "full_time")
	if err != nil {
		return nil, err
	}
	if hasFull {
		t.FullTime = fullTime
		mark("full_time", true)
	}
	// Small integers.
	if p, ok, err := optInt(body, "color_label"); err != nil {
		return nil, err
	} else if ok {
		if p != nil && (*p < 0 || *p > 10) {
			return nil, bad("color_label", "between 0 and 10")
		}
		t.ColorLabel = int(val(p))
		mark("color_label", true)
	}
	status, hasStatus, err := optInt(body, "status")
	if err != nil {
		return nil, err
	}
	if hasStatus {
		s := int64(1)
		if status != nil {
			s = *status
		}
		if s < 1 || s > 5 {
			return nil, ErrInvalidState.New(s)
		}
		t.Status = int(s)
		mark("status", true)
	}
	percent, hasPercent, err := optInt(body, "percent_completed")
	if err != nil {
		return nil, err
	}
	if hasPercent {
		p := val(percent)
		if p < 0 || p > 100 {
			return nil, ErrInvalidPercentage.New(p)
		}
		t.Percent = int(p)
		mark("percent_completed", true)
	}
	e.statusAndPercent = hasStatus && hasPercent
	if p, ok, err := optInt(body, "priority"); err != nil {
		return nil, err
	} else if ok {
		if p != nil && *p == 0 {
			p = nil
		}
		if p != nil && (*p < 1 || *p > 3) {
			return nil, ErrInvalidPriority.New(*p)
		}
		t.Priority = p
		mark("priority", true)
	}
	// Costs and durations.
	for _, f := range []struct {
		key string
		dst **float64
	}{{"actual_costs", &t.ActualCosts}, {"target_costs", &t.TargetCosts}} {
		v, ok := body[f.key]
		if !ok {
			continue
		}
		mark(f.key, true)
		if v == nil {
			*f.dst = nil
			continue
		}
		x, ok := float(v)
		if !ok {
			return nil, bad(f.key, "a number")
		}
		if math.Abs(x) > maxCosts {
			return nil, ErrCostsOffLimit.New()
		}
		x = math.Round(x*100) / 100
		*f.dst = &x
	}
	for _, f := range []struct {
		key string
		dst **int64
	}{{"actual_duration", &t.ActualDuration}, {"target_duration", &t.TargetDuration}} {
		p, ok, err := optInt(body, f.key)
		if err != nil {
			return nil, err
		}
		if ok {
			*f.dst = p
		}
		mark(f.key, ok)
	}
	// Dates. start_date/end_date are Dates and imply a whole-day task, as
	// the reference parser does; start_time/end_time are Dates for
	// whole-day tasks and Times otherwise.
	for _, f := range []struct {
		key string
		dst **int64
	}{{"start_date", &t.Start}, {"end_date", &t.End}} {
		p, ok, err := optInt(body, f.key)
		if err != nil {
			return nil, err
		}
		if ok {
			*f.dst = p
			if !hasFull {
				t.FullTime = true
			}
			mark(f.key, true)
		}
	}
	for _, f := range []struct {
		key string
		dst **int64
	}{{"start_time", &t.Start}, {"end_time", &t.End}} {
		p, ok, err := optInt(body, f.key)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if p != nil && !t.FullTime {
			v := protocol.FromTime(*p, loc)
			p = &v
		}
		*f.dst = p
		mark(f.key, true)
	}
	if p, ok, err := optInt(body, "date_completed"); err != nil {
		return nil, err
	} else if ok {
		t.DateCompleted = p
		mark("date_completed", true)
	}
	if p, ok, err := optInt(body, "alarm"); err != nil {
		return nil, err
	} else if ok {
		if p != nil && *p < 0 {
			// -1 is "no alarm" for appointments; accept it for tasks too.
			p = nil
		}
		if p != nil {
			v := protocol.FromTime(*p, loc)
			p = &v
		}
		e.alarm, e.alarmSet = p, true
	}
	// Recurrence.
	if p, ok, err := optInt(body, "recurrence_type"); err != nil {
		return nil, err
	} else if ok {
		t.RecurrenceType = int(val(p))
		mark("recurrence_type", true)
	}
	for _, f := range []struct {
		key string
		dst **int64
	}{
		{"days", &t.Days}, {"day_in_month", &t.DayInMonth}, {"month", &t.Month}, {"interval", &t.Interval},
		{"until", &t.Until}, {"occurrences", &t.Occurrences},
	} {
		p, ok, err := optInt(body, f.key)
		if err != nil {
			return nil, err
		}
		if ok {
			*f.dst = p
		}
		mark(f.key, ok)
	}
	// Participants.
	if v, ok := body["participants"]; ok {
		e.hasParts = true
		parts, err := parseParticipants(v)
		if err != nil {
			return nil, err
		}
		e.participants = parts
	}
	if v, ok := body["folder_id"]; ok && v != nil {
		// Negative ids are folders created offline (storage.Options.NegativeIDs).
		id, ok := number(v)
		if !ok {
			return nil, bad("folder_id", "a folder id")
		}
		e.folder, e.hasFolder = id, true
	}
	return e, nil
}

func parseParticipants(v any) ([]partIn, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if ms, isMaps := v.([]map[string]any); isMaps {
		// Callers in Go (import) may build the array with concrete types.
		arr, ok = make([]any, len(ms)), true
		for i, m := range ms {
			arr[i] = m
		}
	}
	if !ok {
		return nil, bad("participants", "an array")
	}
	out := make([]partIn, 0, len(arr))
	for _, x := range arr {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, bad("participants", "an array of objects")
		}
		typ, ok := number(m["type"])
		if !ok {
			return nil, bad("participant type", "a number")
		}
		p := partIn{Type: int(typ)}
		if id, ok := m["id"]; ok && id != nil {
			n, ok := number(id)
			if !ok {
				return nil, bad("participant id", "a number")
			}
			p.ID = n
		}
		if s, ok := m["mail"].(string); ok {
			p.Mail = strings.TrimSpace(s)
		} else if s, ok := m["email1"].(string); ok {
			p.Mail = strings.TrimSpace(s)
		}
		if s, ok := m["display_name"].(string); ok {
			p.DisplayName = s
		}
		out = append(out, p)
	}
	return out, nil
}

// validate checks the merged task (OX TaskLogic.checkNewTask/checkUpdateTask
// order: dates, state and progress, recurrence).
func validate(t *storage.Task, e *edit) error {
	if t.Start != nil && t.End != nil && *t.Start > *t.End {
		return ErrStartNotBeforeEnd.New(*t.Start, *t.End)
	}
	if e.statusAndPercent && t.Status == 1 && t.Percent != 0 {
		return ErrPercentageNotZero.New(t.Percent)
	}
	return validateRecurrence(t, e)
}

func validateRecurrence(t *storage.Task, e *edit) error {
	switch t.RecurrenceType {
	case recNone:
		t.Days, t.DayInMonth, t.Month, t.Interval, t.Until, t.Occurrences = nil, nil, nil, nil, nil, nil
		return nil
	case recDaily, recWeekly, recMonthly, recYearly:
	default:
		return ErrUnknownRecurrence.New(t.RecurrenceType)
	}
	if t.Start == nil {
		return ErrMissingRecurrence.New(201)
	}
	if t.End == nil {
		return ErrMissingRecurrence.New(202)
	}
	if t.Occurrences != nil && *t.Occurrences == 0 {
		t.Occurrences = nil
	}
	if t.Occurrences != nil && *t.Occurrences < 0 {
		return bad("occurrences", "positive")
	}
	if t.Occurrences != nil && t.Until != nil {
		if e.has["occurrences"] && !e.has["until"] {
			t.Until = nil
		} else if e.has["until"] && !e.has["occurrences"] {
			t.Occurrences = nil
		} else {
			return ErrInvalidData.New("a series ends either after a number of occurrences or at a date, not both")
		}
	}
	if t.Until != nil && *t.Until < protocol.ToDate(*t.Start) {
		return ErrInvalidData.New("the series ends before it starts")
	}
	if t.Interval == nil {
		if t.RecurrenceType != recYearly {
			return ErrMissingRecurrence.New(215)
		}
		one := int64(1)
		t.Interval = &one
	}
	if *t.Interval < 1 || *t.Interval > 999 {
		return bad("interval", "between 1 and 999")
	}
	if t.Days != nil && (*t.Days < 0 || *t.Days > 127) {
		return bad("days", "a bit field between 1 and 127")
	}
	switch t.RecurrenceType {
	case recDaily:
		t.Days, t.DayInMonth, t.Month = nil, nil, nil
	case recWeekly:
		if t.Days == nil || *t.Days == 0 {
			all := int64(127)
			t.Days = &all
		}
		t.DayInMonth, t.Month = nil, nil
	case recMonthly, recYearly:
		if t.RecurrenceType == recYearly {
			if t.Month == nil {
				return ErrMissingRecurrence.New(214)
			}
			if *t.Month < 0 || *t.Month > 11 {
				return bad("month", "between 0 and 11")
			}
			one := int64(1)
			t.Interval = &one
		} else {
			t.Month = nil
		}
		if t.DayInMonth == nil {
			return ErrMissingRecurrence.New(213)
		}
		if t.Days != nil && *t.Days == 0 {
			t.Days = nil
		}
		limit := int64(31)
		if t.Days != nil {
			limit = 5
		}
		if *t.DayInMonth < 1 || *t.DayInMonth > limit {
			return bad("day_in_month", fmt.Sprintf("between 1 and %d", limit))
		}
	}
	return nil
}

// moveToFirstOccurrence shifts a series' dates onto its first occurrence,
// as the reference server does for new and changed series.
func moveToFirstOccurrence(t *storage.Task, userZone *time.Location) error {
	if t.RecurrenceType == recNone || t.Start == nil || t.End == nil {
		return nil
	}
	occ, err := occurrences(t, recurrenceLocation(t, userZone), 1)
	if err != nil {
		return ErrInvalidData.New("recurrence: " + err.Error())
	}
	if len(occ) == 0 {
		return ErrInvalidData.New("the series has no occurrence")
	}
	d := occ[0] - *t.Start
	s, en := *t.Start+d, *t.End+d
	t.Start, t.End = &s, &en
	return nil
}
