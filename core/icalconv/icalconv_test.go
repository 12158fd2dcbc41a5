package icalconv

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expect(t *testing.T, got Task, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], v)
		}
	}
}

func fullTask() Task {
	return Task{
		"uid": "task-1@example.com", "title": "Write report; part 1, \"draft\"", "note": "line 1\nline 2\\",
		"start_time": ms("2024-01-15T08:00:00Z"), "end_time": ms("2024-01-31T16:00:00Z"), "full_time": false,
		"status": int64(4), "priority": int64(3), "percent_completed": int64(40),
		"date_completed": ms("2024-01-20T10:30:00Z"), "categories": "Work,Urgent", "private_flag": true,
		"alarm":           ms("2024-01-15T07:45:00Z"),
		"recurrence_type": int64(3), "interval": int64(2), "days": int64(32), "day_in_month": int64(5),
		"occurrences":  int64(6),
		"participants": []any{map[string]any{"type": int64(5), "mail": "erika@example.com", "display_name": "Erika \"E\" M."}},
		"confirmations": []any{map[string]any{"type": int64(5), "mail": "erika@example.com", "display_name": "Erika 'E' M.",
			"status": int64(1)}},
		"actual_costs": 12.5, "target_costs": float64(100), "currency": "EUR", "billing_information": "B-1",
		"companies": "ACME", "trip_meter": "12 km", "actual_duration": "90", "target_duration": "120",
		"color_label": int64(3),
	}
}

func TestRoundTripTask(t *testing.T) {
	in := fullTask()
	data, err := EncodeBytes([]Task{in}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=6;BYSETPOS=-1;BYDAY=FR", "BEGIN:VALARM",
		"TRIGGER;VALUE=DATE-TIME:20240115T074500Z", "ATTENDEE;CN=Erika 'E' M.;PARTSTAT=ACCEPTED:mailto:erika@example.com"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("export lacks %q:\n%s", want, data)
		}
	}
	res, err := Decode(data, time.UTC)
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	got := res.Items[0].Task
	if len(res.Items[0].Warnings) > 0 {
		t.Errorf("warnings: %v", res.Items[0].Warnings)
	}
	in["participants"].([]any)[0].(map[string]any)["display_name"] = "Erika 'E' M."
	for k, v := range in {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := in[k]; !ok {
			t.Errorf("unexpected %s=%#v", k, got[k])
		}
	}
}

func TestRoundTripRules(t *testing.T) {
	for _, r := range []Task{
		{"recurrence_type": int64(1), "interval": int64(3), "until": ms("2024-12-31T00:00:00Z")},
		{"recurrence_type": int64(2), "interval": int64(1), "days": int64(2 | 8 | 32)},
		{"recurrence_type": int64(3), "interval": int64(1), "day_in_month": int64(15)},
		{"recurrence_type": int64(4), "interval": int64(1), "month": int64(11), "day_in_month": int64(24)},
		{"recurrence_type": int64(4), "interval": int64(1), "month": int64(4), "days": int64(2), "day_in_month": int64(2), "occurrences": int64(3)},
	} {
		for _, fullTime := range []bool{false, true} {
			in := Task{"uid": "r", "title": "t", "start_time": ms("2024-01-01T00:00:00Z"), "full_time": fullTime}
			for k, v := range r {
				in[k] = v
			}
			data, err := EncodeBytes([]Task{in}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Decode(data, time.UTC)
			if err != nil || len(res.Items) != 1 || len(res.Items[0].Warnings) > 0 {
				t.Fatalf("%v %+v\n%s", err, res, data)
			}
			if !reflect.DeepEqual(res.Items[0].Task, in) {
				t.Errorf("rule %v full_time %v:\n got %#v\nwant %#v\n%s", r, fullTime, res.Items[0].Task, in, data)
			}
		}
	}
}

func TestThunderbird(t *testing.T) {
	res, err := Decode(read(t, "thunderbird.ics"), time.UTC)
	if err != nil || len(res.Items) != 2 || len(res.Warnings) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	a := res.Items[0].Task
	expect(t, a, map[string]any{
		"uid": "d1b5c7a0-3f1e-4b8a-9a55-0e6a4f1c2d3e", "title": "Steuererklärung abgeben",
		"note": "Belege sammeln, sortieren;\ndann abschicken.", "status": int64(2), "priority": int64(3),
		"percent_completed": int64(40), "categories": "Finanzen,Privat", "private_flag": true, "full_time": false,
		"start_time": ms("2024-01-15T08:00:00Z"), "end_time": ms("2024-01-31T16:00:00Z"),
		"alarm":           ms("2024-01-15T07:45:00Z"),
		"recurrence_type": int64(3), "interval": int64(1), "days": int64(32), "day_in_month": int64(5), "occurrences": int64(6),
	})
	parts := a["participants"].([]any)
	confs := a["confirmations"].([]any)
	if len(parts) != 2 || parts[1].(map[string]any)["mail"] != "max@example.com" ||
		confs[0].(map[string]any)["status"] != int64(1) || confs[1].(map[string]any)["status"] != int64(3) {
		t.Errorf("attendees: %#v %#v", parts, confs)
	}
	expect(t, res.Items[1].Task, map[string]any{
		"full_time": true, "start_time": ms("2024-03-01T00:00:00Z"), "end_time": ms("2024-03-05T00:00:00Z"),
		"status": int64(3), "date_completed": ms("2024-03-04T12:00:00Z"), "recurrence_type": int64(4),
		"month": int64(2), "day_in_month": int64(1), "until": ms("2030-03-01T00:00:00Z"),
	})
}

func TestOutlookTimeZoneFallback(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	res, err := Decode(read(t, "outlook.ics"), berlin)
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	it := res.Items[0]
	expect(t, it.Task, map[string]any{"start_time": ms("2024-01-10T07:00:00Z"), "priority": int64(2),
		"recurrence_type": int64(2), "interval": int64(2), "days": int64(2 | 8 | 32), "until": ms("2024-06-30T00:00:00Z")})
	if len(it.Warnings) != 2 {
		t.Errorf("want a warning per unknown TZID: %v", it.Warnings)
	}
}

func TestUnsupportedRuleWarns(t *testing.T) {
	in := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:h\r\nDTSTAMP:20240101T000000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
	res, err := Decode([]byte(in), nil)
	if err != nil || len(res.Items) != 1 || len(res.Items[0].Warnings) != 1 || res.Items[0].Task["recurrence_type"] != nil {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestBadFiles(t *testing.T) {
	var pe *ParseError
	if _, err := Decode(read(t, "broken.ics"), nil); !errors.As(err, &pe) {
		t.Fatalf("broken: %v", err)
	}
	if _, err := Decode([]byte("X;A=b"), nil); !errors.As(err, &pe) {
		t.Fatalf("go-ical panic must become a ParseError: %v", err)
	}
	deep := "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 100) + strings.Repeat("END:X\r\n", 100) + "END:VCALENDAR\r\n"
	if _, err := Decode([]byte(deep), nil); !errors.As(err, &pe) {
		t.Fatalf("deep: %v", err)
	}
	if _, err := Decode([]byte("\r\n\r\n"), nil); !errors.Is(err, ErrNoCalendar) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := Decode([]byte("BEGIN:VCARD\r\nEND:VCARD\r\n"), nil); !errors.As(err, &pe) {
		t.Fatalf("vcard: %v", err)
	}
}

func TestEmptyExport(t *testing.T) {
	data, err := EncodeBytes(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Decode(data, nil)
	if err != nil || len(res.Items) != 0 {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestInternalAttendees(t *testing.T) {
	in := Task{"uid": "u", "title": "t", "participants": []any{map[string]any{"type": int64(1), "id": int64(7)},
		map[string]any{"type": int64(1), "id": int64(8)}},
		"users": []any{map[string]any{"id": int64(7), "confirm": int64(2)}}}
	data, err := EncodeBytes([]Task{in}, func(id int64) (Person, bool) {
		return Person{Name: "User Seven", Mail: "seven@example.com"}, id == 7
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "ATTENDEE;CN=User Seven;PARTSTAT=DECLINED:mailto:seven@example.com") ||
		strings.Count(string(data), "ATTENDEE") != 1 {
		t.Fatalf("%s", data)
	}
}
