package icalconv

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const seriesICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\nSUMMARY:Weekly\r\n" +
	"DTSTART;TZID=America/New_York:20260302T090000\r\nDTEND;TZID=America/New_York:20260302T100000\r\n" +
	"RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO\r\nEXDATE;TZID=America/New_York:20260316T090000\r\n" +
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:s1\r\nSUMMARY:Moved\r\nRECURRENCE-ID;TZID=America/New_York:20260309T090000\r\n" +
	"DTSTART;TZID=America/New_York:20260310T090000\r\nDTEND;TZID=America/New_York:20260310T100000\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestDecodeEventsSeries(t *testing.T) {
	res, err := DecodeEvents([]byte(seriesICS), time.UTC)
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("decode: %v %+v", err, res)
	}
	e := res.Items[0].Event
	ny, _ := time.LoadLocation("America/New_York")
	if e["timezone"] != "America/New_York" || e["start_date"] != time.Date(2026, 3, 2, 9, 0, 0, 0, ny).UnixMilli() ||
		e["recurrence_type"] != int64(2) || e["occurrences"] != int64(4) || e["alarm"] != int64(15) {
		t.Fatalf("series: %v", e)
	}
	if d := e["delete_exceptions"].([]any); len(d) != 1 || d[0] != time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Fatalf("EXDATE: %v", e["delete_exceptions"])
	}
	x := e["exceptions"].([]Event)
	if len(x) != 1 || x[0]["title"] != "Moved" || x[0]["recurrence_original"] != time.Date(2026, 3, 9, 9, 0, 0, 0, ny).UnixMilli() {
		t.Fatalf("exceptions: %v", x)
	}
	out, err := EncodeEventsBytes([]Event{e}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RECURRENCE-ID;TZID=America/New_York:20260309T090000", "EXDATE;TZID=America/New_York:20260316T090000",
		"TZOFFSETFROM:-0500", "TRIGGER:-PT15M"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("encode lacks %q:\n%s", want, out)
		}
	}
}

// FuzzDecodeEvents feeds arbitrary bytes to the calendar import: no panic,
// only file errors of the documented kinds, and whatever is read encodes.
func FuzzDecodeEvents(f *testing.F) {
	f.Add([]byte(seriesICS))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := DecodeEvents(data, time.UTC)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) && !errors.Is(err, ErrNoCalendar) {
				t.Fatalf("unexpected file error %v", err)
			}
			return
		}
		var evs []Event
		for _, it := range res.Items {
			if _, ok := it.Event["start_date"]; ok {
				evs = append(evs, it.Event)
			}
		}
		if _, err := EncodeEventsBytes(evs, nil); err != nil {
			t.Fatalf("encode: %v", err)
		}
	})
}
