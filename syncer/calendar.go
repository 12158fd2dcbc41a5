package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Calendar specifics of the sync (docs/offline.md §3–§5, "Calendar").

// actionDeleteOccurrence is the outbox action of a deleted occurrence of
// a series: on the server it changes the series (a delete exception), so
// it is pushed like a change of the series, not like a deletion.
const actionDeleteOccurrence = "delete_occurrence"

// kOccurrence deletes one occurrence of a series.
const kOccurrence actionKind = 100

// calendarRange gives the calendar's `all`, which requires a range, one
// that holds every appointment, and asks for series as one row each.
func calendarRange(p url.Values) {
	p.Set("start", "-62135596800000") // 0001-01-01
	p.Set("end", "253402300800000")   // 10000-01-01
	p.Set("recurrence_master", "true")
}

// codeCalendarConflicts marks a calendar change the server refused with
// scheduling conflicts although the replay ignores soft ones: a resource
// is booked. It becomes a rejected record.
const codeCalendarConflicts = "OXL-0024"

// calendarAnswer checks the answer to a replayed calendar write: a
// `{conflicts:[…]}` answer is a refusal; an update of one occurrence that
// made a change exception answers the exception's id, which replaces the
// temporary id the local core gave it.
func (e *Engine) calendarAnswer(ctx context.Context, rec *record, params url.Values, ans *Answer) error {
	var obj map[string]any
	if decodeJSON(ans.Data, &obj) != nil || obj == nil {
		return nil
	}
	if cs, ok := obj["conflicts"].([]any); ok && obj["id"] == nil {
		var titles []string
		for _, c := range cs {
			if m, ok := c.(map[string]any); ok {
				if t, ok := m["title"].(string); ok && t != "" {
					titles = append(titles, t)
				}
			}
		}
		msg := "the server reports scheduling conflicts"
		if len(titles) > 0 {
			msg += " with " + strings.Join(titles, ", ")
		}
		return &APIError{Code: codeCalendarConflicts, Categories: []string{"USER_INPUT"}, Category: 1, Message: msg}
	}
	if rec.Temp >= 0 {
		return nil
	}
	master, _ := strconv.ParseInt(params.Get("id"), 10, 64)
	var id int64
	switch params.Get("action") {
	case "update":
		id, _ = toInt(obj["id"])
	case "confirm":
		// Confirming one occurrence made a change exception too, but the
		// answer carries no id: the series' exceptions tell it.
		pos, err := strconv.ParseInt(params.Get("occurrence"), 10, 64)
		if err != nil || pos <= 0 {
			return nil
		}
		if id, err = e.exceptionAt(ctx, master, params.Get("folder"), pos); err != nil {
			return err
		}
	}
	if id == master || id <= 0 {
		return nil
	}
	return e.mapException(ctx, rec.Temp, id, ans.Timestamp)
}

// exceptionAt finds the id of the change exception of series master at
// recurrence position pos (0 when there is none).
func (e *Engine) exceptionAt(ctx context.Context, master int64, folder string, pos int64) (int64, error) {
	ans, err := e.call(ctx, "calendar", url.Values{"action": {"getChangeExceptions"}, "id": {strconv.FormatInt(master, 10)},
		"folder": {folder}, "columns": {"1,207"}}, nil)
	if err != nil {
		return 0, err
	}
	var rows [][]any
	if err := decodeJSON(ans.Data, &rows); err != nil {
		return 0, fmt.Errorf("calendar getChangeExceptions: %w", err)
	}
	for _, r := range rows {
		if len(r) >= 2 {
			if p, ok := toInt(r[1]); ok && p == pos {
				id, _ := toInt(r[0])
				return id, nil
			}
		}
	}
	return 0, nil
}

// mapException gives a change exception made offline its server id, as
// a `new` would: row, references, later entries, id map, and a tombstone
// so that local `updates` reports the temporary id as deleted.
func (e *Engine) mapException(ctx context.Context, temp, id, ts int64) error {
	return e.write(ctx, func(tx *storage.Tx) error {
		folder, exists, err := tx.ObjectFolder("calendar", temp)
		if err != nil {
			return err
		}
		if exists {
			if err := tx.RemapAppointment(temp, id); err != nil {
				return err
			}
			if err := tx.Tombstone(storage.TombCalendar, folder, temp); err != nil {
				return err
			}
		}
		if err := tx.MapID("calendar", temp, id, e.cfg.Now().UnixMilli()); err != nil {
			return err
		}
		if exists {
			if err := tx.PutSyncObject("calendar", id, folder, ts); err != nil {
				return err
			}
		}
		if err := rewriteOutbox(tx, "calendar", temp, id); err != nil {
			return err
		}
		return rewriteConflicts(tx, "calendar", temp, id)
	})
}

// pushOccurrence replays the deletion of one occurrence. A conflict (the
// series changed on the server meanwhile) does not touch the deleted
// occurrence, so the deletion is re-sent with the server's timestamp; a
// series gone from the server takes the occurrence with it.
func (e *Engine) pushOccurrence(ctx context.Context, a account, en *storage.OutboxEntry, rec *record, params url.Values, body []byte) error {
	id := en.ObjectID
	ts := e.serverTS(ctx, a, en.Module, id, rec)
	for attempt := 0; attempt < 3; attempt++ {
		params.Set("timestamp", strconv.FormatInt(ts, 10))
		ans, err := e.call(ctx, en.Module, params, body)
		if err == nil {
			return e.settleWrite(ctx, en, id, en.FolderID, ans.Timestamp, nil, nil)
		}
		ae := apiError(err)
		if ae == nil {
			return err
		}
		server, sts, gerr := e.getObject(ctx, en.Module, id, en.FolderID)
		if gerr != nil {
			if apiError(gerr) == nil {
				return gerr
			}
			return e.write(ctx, func(tx *storage.Tx) error {
				if err := dropEntriesOf(tx, en.Module, id); err != nil {
					return err
				}
				if err := e.removeLocal(tx, en.Module, id); err != nil {
					return err
				}
				return tx.DeleteOutbox(en.Seq)
			})
		}
		if ae.Conflict() {
			ts = sts
			continue
		}
		if refused(err, en) == nil {
			return err
		}
		return e.reject(ctx, a, en, rec, ae, server)
	}
	return fmt.Errorf("calendar %d: the server kept reporting conflicts", id)
}

// calendarBody prepares a recorded calendar `new`/`update` body for the
// replay: the local core already showed the person the scheduling
// conflicts of the change (and they went on), so the server is asked to
// ignore the soft ones; resources still refuse (calendarAnswer).
func calendarBody(action, body string) string {
	if action != "new" && action != "update" {
		return body
	}
	var obj map[string]any
	if decodeJSON([]byte(body), &obj) != nil || obj == nil {
		return body
	}
	obj["ignore_conflicts"] = true
	b, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return string(b)
}

// occurrenceRef is the body of a recorded occurrence deletion.
func occurrenceRef(ref pim.Ref) string {
	m := map[string]int64{"id": ref.ID, "folder": ref.Folder}
	if ref.RecurrencePosition > 0 {
		m["recurrence_position"] = ref.RecurrencePosition
	}
	if ref.RecurrenceDatePosition != 0 {
		m["recurrence_date_position"] = ref.RecurrenceDatePosition
	}
	b, _ := json.Marshal([]map[string]int64{m})
	return string(b)
}

// seriesStart puts a series master's true start into obj before it is
// stored. The server shows a master with the times of its first
// occurrence that is not deleted, and the local series would start
// there, every occurrence position shifted; `recurrence_start` (410)
// names the date of the real first occurrence, which keeps the wall-clock
// time of the others in the appointment's time zone. obj's times are in
// loc (the user's zone, as `list` and `get` answer without a timezone
// parameter).
func seriesStart(obj map[string]any, loc *time.Location) {
	if rt, _ := toInt(obj["recurrence_type"]); rt == 0 {
		return
	}
	if pos, _ := toInt(obj["recurrence_position"]); pos > 0 {
		return
	}
	r, ok := toInt(obj["recurrence_start"])
	s, ok1 := toInt(obj["start_date"])
	end, ok2 := toInt(obj["end_date"])
	if !ok || !ok1 || !ok2 {
		return
	}
	if full, _ := obj["full_time"].(bool); full {
		if s != r {
			obj["start_date"], obj["end_date"] = r, end-s+r
		}
		return
	}
	start := protocol.FromTime(s, loc)
	if protocol.ToDate(start) == r {
		return
	}
	tz := loc
	if name, _ := obj["timezone"].(string); name != "" {
		if l, err := time.LoadLocation(name); err == nil {
			tz = l
		}
	}
	wall := time.UnixMilli(start).In(tz)
	day := time.UnixMilli(r).UTC()
	for _, dd := range []int{0, -1, 1} {
		d := day.AddDate(0, 0, dd)
		c := time.Date(d.Year(), d.Month(), d.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, tz).UnixMilli()
		if protocol.ToDate(c) == r {
			length := protocol.FromTime(end, loc) - start
			obj["start_date"], obj["end_date"] = protocol.ToTime(c, loc), protocol.ToTime(c+length, loc)
			return
		}
	}
}
