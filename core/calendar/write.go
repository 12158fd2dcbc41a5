package calendar

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

func newUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func num(v any) (int64, bool) { return protocol.Int64Of(v) }

// optional wire fields kept verbatim in the fields column.
var plainFields = []string{"title", "note", "location", "categories", "color_label", "organizer",
	"sequence", "notification", "principal", "principalId"}

// apply merges the body into v (times of timed appointments in loc).
func apply(v *appt, body map[string]any, loc *time.Location) error {
	for _, k := range plainFields {
		if x, ok := body[k]; ok {
			if x == nil {
				delete(v.fields, k)
			} else {
				v.fields[k] = x
			}
		}
	}
	if x, ok := body["full_time"]; ok {
		b, ok := x.(bool)
		if !ok {
			return ErrInvalidData.New("full_time")
		}
		v.FullTime = b
	}
	if x, ok := body["timezone"]; ok {
		s, _ := x.(string)
		if !protocol.ValidTimeZone(s) {
			return ErrBadTimeZone.New(fmt.Sprint(x))
		}
		v.TimeZone = s
	}
	conv := func(name string, dst *int64) error {
		x, ok := body[name]
		if !ok {
			return nil
		}
		n, ok := num(x)
		if !ok {
			return ErrInvalidData.New(name)
		}
		if v.FullTime {
			*dst = protocol.ToDate(n)
		} else {
			*dst = protocol.FromTime(n, loc)
		}
		return nil
	}
	if err := conv("start_date", &v.Start); err != nil {
		return err
	}
	if err := conv("end_date", &v.End); err != nil {
		return err
	}
	if v.FullTime {
		v.Start, v.End = protocol.ToDate(v.Start), protocol.ToDate(v.End)
		if v.End <= v.Start {
			v.End = v.Start + 86400000
		}
	}
	if x, ok := body["private_flag"]; ok {
		b, ok := x.(bool)
		if !ok {
			return ErrInvalidData.New("private_flag")
		}
		v.Private = b
	}
	if x, ok := body["shown_as"]; ok {
		n, ok := num(x)
		if !ok || n < 1 || n > 4 {
			return ErrInvalidData.New("shown_as")
		}
		v.ShownAs = int(n)
	}
	if x, ok := body["recurrence_type"]; ok {
		n, ok := num(x)
		if !ok || n < 0 || n > 4 {
			return ErrBadRecurrence.New("recurrence_type")
		}
		v.RecurrenceType = int(n)
	}
	for name, dst := range map[string]**int64{"days": &v.Days, "day_in_month": &v.DayInMonth, "month": &v.Month,
		"interval": &v.Interval, "until": &v.Until, "occurrences": &v.Occurrences} {
		x, ok := body[name]
		if !ok {
			continue
		}
		if x == nil {
			*dst = nil
			continue
		}
		n, ok := num(x)
		if !ok || n < 0 {
			return ErrBadRecurrence.New(name)
		}
		*dst = &n
	}
	if x, ok := body["participants"]; ok {
		raw, _ := json.Marshal(x)
		var ps []Participant
		if err := json.Unmarshal(raw, &ps); err != nil {
			return ErrInvalidData.New("participants")
		}
		v.participants = ps
	}
	return nil
}

// applyAs is apply plus the acting user's own alarm.
func applyAs(v *appt, body map[string]any, loc *time.Location, u *protocol.User) error {
	if err := apply(v, body, loc); err != nil {
		return err
	}
	if x, ok := body["alarm"]; ok {
		return v.setAlarm(u.ID, x)
	}
	return nil
}

// validate checks times and the recurrence and fills range_end.
func validate(v *appt) error {
	if v.End < v.Start {
		return ErrEndBeforeStart.New(v.End, v.Start)
	}
	if v.RecurrenceType == 0 {
		v.Days, v.DayInMonth, v.Month, v.Interval, v.Until, v.Occurrences = nil, nil, nil, nil, nil, nil
	} else if v.RecurrencePosition == 0 {
		switch v.RecurrenceType {
		case 3:
			if v.DayInMonth == nil {
				return ErrBadRecurrence.New("day_in_month is missing")
			}
		case 4:
			if v.DayInMonth == nil || v.Month == nil {
				return ErrBadRecurrence.New("day_in_month or month is missing")
			}
			if *v.Month > 11 {
				return ErrBadRecurrence.New("month")
			}
		}
		if v.Until != nil && *v.Until < protocol.ToDate(v.Start) {
			return ErrBadRecurrence.New("until is before the start")
		}
		first, ok, err := v.occurrence(1)
		if err != nil {
			return ErrBadRecurrence.New(err.Error())
		}
		if !ok || first != v.Start {
			return ErrStartNotOccurrence.New()
		}
	}
	re, err := rangeEnd(v.Appointment)
	if err != nil {
		return ErrBadRecurrence.New(err.Error())
	}
	v.RangeEnd = re
	return nil
}

// resolve checks the participants, resolves groups into users and maps
// the appointment into each internal user's default calendar (the owner
// of the main folder keeps the main folder).
func resolve(tx *storage.Tx, v *appt, acc pim.Access, u *protocol.User) error {
	owner := acc.Folder.Owner
	if acc.Folder.Type != 1 || owner == 0 {
		owner = u.ID
	}
	want := []int64{}
	seen := map[int64]bool{}
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	if len(v.participants) == 0 {
		v.participants = []Participant{{ID: owner, Type: 1}}
	}
	hasOwner := false
	for i, p := range v.participants {
		switch p.Type {
		case 1:
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM users WHERE cid = ? AND id = ?`, u.ContextID, p.ID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrUnknownParticipant.New(p.ID, p.Type)
			}
			add(p.ID)
			hasOwner = hasOwner || p.ID == owner
		case 2:
			ms, err := tx.GroupMemberIDs(p.ID)
			if err != nil {
				return ErrUnknownParticipant.New(p.ID, p.Type)
			}
			for _, id := range ms {
				add(id)
			}
		case 3:
			var n int
			if err := tx.QueryRow(`SELECT count(*) FROM resources WHERE cid = ? AND id = ?`, u.ContextID, p.ID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrUnknownParticipant.New(p.ID, p.Type)
			}
		case 5:
			if p.Mail == "" {
				return ErrUnknownParticipant.New(p.Mail, p.Type)
			}
			v.participants[i].ID = 0
		default:
			return ErrUnknownParticipant.New(p.ID, p.Type)
		}
	}
	if !hasOwner && !seen[owner] {
		v.participants = append(v.participants, Participant{ID: owner, Type: 1})
		add(owner)
	}
	old := map[int64]UserConf{}
	for _, uc := range v.users {
		old[uc.ID] = uc
	}
	oldFolders := map[int64]int64{}
	for _, f := range v.Folders {
		oldFolders[f.User] = f.Folder
	}
	v.users, v.Folders = nil, nil
	for _, id := range want {
		uc, ok := old[id]
		if !ok {
			uc = UserConf{ID: id}
			if c, ok := v.seed[id]; ok {
				uc.Confirmation = c
			} else if id == u.ID {
				uc.Confirmation = 1
			}
		}
		v.users = append(v.users, uc)
		folder := oldFolders[id]
		if id == owner {
			folder = v.FolderID
		}
		if folder == 0 {
			f, err := tx.DefaultCalendarFolder(id)
			if err != nil {
				continue
			}
			folder = f
		}
		v.Folders = append(v.Folders, storage.ApptFolder{User: id, Folder: folder})
	}
	return nil
}

// conflicts lists the stored appointments that overlap v for a shared
// resource (hard) or, unless ignore, a shared user who has not declined.
func conflicts(tx *storage.Tx, v *appt, ignore bool, w *view) ([]map[string]any, error) {
	if v.ShownAs == 4 {
		return nil, nil
	}
	var spans [][2]int64
	now := time.Now().UnixMilli()
	if v.isMaster() {
		horizon := now + 366*86400000
		occ, err := v.occurrencesIn(now, horizon)
		if err != nil {
			return nil, err
		}
		for _, o := range occ {
			spans = append(spans, [2]int64{o.start, o.end})
		}
	} else if v.End > now || (v.End == v.Start && v.Start >= now) {
		// An appointment that is over conflicts with nothing (the reference
		// skips the check).
		spans = [][2]int64{{v.Start, v.End}}
	}
	if len(spans) == 0 {
		return nil, nil
	}
	resources, users := map[int64]bool{}, map[int64]bool{}
	for _, p := range v.participants {
		if p.Type == 3 {
			resources[p.ID] = true
		}
	}
	if ignore && len(resources) == 0 {
		return nil, nil
	}
	for _, uc := range v.users {
		if uc.Confirmation != 2 && uc.Confirmation != 3 {
			users[uc.ID] = true
		}
	}
	cands, err := tx.AppointmentsInRange(spans[0][0], spans[len(spans)-1][1])
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, c := range cands {
		if c.ID == v.ID || (v.SeriesID != 0 && c.SeriesID == v.SeriesID) || c.ShownAs == 4 {
			continue
		}
		o := decode(c)
		hard, soft := false, false
		for _, p := range o.participants {
			if p.Type == 3 && resources[p.ID] {
				hard = true
			}
		}
		if !ignore {
			for _, uc := range o.users {
				if users[uc.ID] && uc.Confirmation != 2 && uc.Confirmation != 3 {
					soft = true
				}
			}
		}
		if !hard && !soft {
			continue
		}
		var occs []*appt
		if o.isMaster() {
			exc, err := tx.AppointmentExceptions(o.ID)
			if err != nil {
				return nil, err
			}
			for _, e := range exc {
				o.changeExc = append(o.changeExc, excDate(e))
			}
			if occs, err = o.occurrencesIn(spans[0][0], spans[len(spans)-1][1]); err != nil {
				return nil, err
			}
		} else {
			occs = []*appt{o}
		}
	found:
		for _, oc := range occs {
			if oc.end <= now {
				continue
			}
			for _, s := range spans {
				if oc.start < s[1] && oc.end > s[0] {
					obj := map[string]any{"id": oc.ID, "start_date": w.t(oc, oc.start), "end_date": w.t(oc, oc.end),
						"shown_as": oc.ShownAs, "participants": oc.participants, "users": oc.users}
					if !oc.Private {
						obj["title"] = oc.fields["title"]
					}
					if hard {
						obj["hard_conflict"] = true
					}
					out = append(out, obj)
					break found
				}
			}
		}
	}
	return out, nil
}

// excDate is the Date of the occurrence a change exception replaces.
func excDate(e *storage.Appointment) int64 {
	n, _ := num(decode(e).fields["recurrence_date_position"])
	return n
}

// reresolve maps the participants of a changed occurrence (b names them)
// like those of a new appointment; an import's "confirmations" seed them.
func reresolve(tx *storage.Tx, v *appt, b map[string]any, u *protocol.User) error {
	if _, ok := b["participants"]; !ok {
		return nil
	}
	if confs, ok := b["confirmations"]; ok {
		if err := importAttendees(tx, v, confs); err != nil {
			return err
		}
	}
	f, err := tx.Folder(v.FolderID)
	if err != nil {
		return err
	}
	return resolve(tx, v, pim.Access{Folder: f}, u)
}

// importAttendees turns external participants (iCal ATTENDEEs) whose
// address is an internal user's into user participants, with the status
// of confs (the wire `confirmations`, from PARTSTAT) as their
// confirmation; the other externals keep their status.
func importAttendees(tx *storage.Tx, v *appt, confs any) error {
	status := map[string]int{}
	list, _ := confs.([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		mail, _ := m["mail"].(string)
		if n, ok := num(m["status"]); ok && mail != "" {
			status[strings.ToLower(mail)] = int(n)
		}
	}
	seen := map[int64]bool{}
	for _, p := range v.participants {
		if p.Type == 1 {
			seen[p.ID] = true
		}
	}
	out := v.participants[:0]
	for _, p := range v.participants {
		if p.Type != 5 || p.Mail == "" {
			out = append(out, p)
			continue
		}
		st := status[strings.ToLower(p.Mail)]
		var id int64
		err := tx.QueryRow(`SELECT u.id FROM users u LEFT JOIN contacts c ON c.cid = u.cid AND c.id = u.contact_id
			WHERE u.cid = ?1 AND (lower(c.email1) = lower(?2) OR EXISTS (SELECT 1 FROM json_each(u.aliases) j WHERE lower(j.value) = lower(?2)))
			ORDER BY u.id LIMIT 1`, tx.ContextID(), p.Mail).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p.Confirmation = st
			out = append(out, p)
		case err != nil:
			return err
		default:
			if v.seed == nil {
				v.seed = map[int64]int{}
			}
			v.seed[id] = st
			if !seen[id] {
				seen[id] = true
				out = append(out, Participant{ID: id, Type: 1})
			}
		}
	}
	v.participants = out
	return nil
}
