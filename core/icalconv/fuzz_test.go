package icalconv

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary bytes to the iCalendar task import: no panic,
// only ParseError or ErrNoCalendar for the whole file, and every task read
// survives an export and a second import unchanged.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(data, time.UTC)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) && !errors.Is(err, ErrNoCalendar) {
				t.Fatalf("unexpected file error %v", err)
			}
			return
		}
		var tasks []Task
		for _, it := range res.Items {
			tasks = append(tasks, it.Task)
		}
		if len(tasks) == 0 {
			return
		}
		out, err := EncodeBytes(tasks, nil)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := Decode(out, time.UTC)
		if err != nil || len(again.Items) != len(tasks) {
			t.Fatalf("re-import: %v\n%q", err, out)
		}
		for i, it := range again.Items {
			if _, had := tasks[i]["uid"]; !had {
				delete(it.Task, "uid") // the export names tasks without uid
			}
			if !reflect.DeepEqual(it.Task, tasks[i]) || len(it.Warnings) > 0 {
				t.Fatalf("task %d not stable: %v\nfirst:  %#v\nsecond: %#v\n%q", i, it.Warnings, tasks[i], it.Task, out)
			}
		}
	})
}
