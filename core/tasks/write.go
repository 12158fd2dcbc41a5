package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"oxlite/core/folders"
	"oxlite/core/perm"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func userZone(u *protocol.User) *time.Location {
	return protocol.LoadLocation(u.TimeZone)
}

// sharedFolder reports whether f is another user's private folder.
func sharedFolder(f *storage.Folder, u *protocol.User) bool {
	return f.Type == folders.TypePrivate && f.Owner != 0 && f.Owner != u.ID
}

// mainUser is the user a task's main folder mapping belongs to: the owner
// of a private (or shared) folder, else the acting user.
func mainUser(f *storage.Folder, u *protocol.User) int64 {
	if f.Type == folders.TypePrivate && f.Owner != 0 {
		return f.Owner
	}
	return u.ID
}

// resolveParticipants turns a `participants` body into stored
// participants: groups are resolved to their members (a user added
// directly wins over the same user added through a group), external
// addresses need a mail, and known participants keep their confirmation.
func resolveParticipants(tx *storage.Tx, in []partIn, old []storage.TaskParticipant) ([]storage.TaskParticipant, error) {
	var out []storage.TaskParticipant
	idx := map[int64]int{}
	mails := map[string]bool{}
	var users []int64
	for _, p := range in {
		switch p.Type {
		case storage.ParticipantUser:
			if p.ID <= 0 {
				return nil, bad("participant id", "a user id")
			}
			users = append(users, p.ID)
			if i, ok := idx[p.ID]; ok {
				out[i].Group = -1
				continue
			}
			idx[p.ID] = len(out)
			out = append(out, storage.TaskParticipant{Kind: storage.ParticipantUser, UserID: p.ID, Group: -1})
		case 2:
			members, err := tx.GroupMemberIDs(p.ID)
			if errors.Is(err, storage.ErrNotFound) {
				return nil, ErrInvalidData.New(fmt.Sprintf("group %d does not exist", p.ID))
			}
			if err != nil {
				return nil, err
			}
			if len(members) == 0 {
				return nil, ErrGroupEmpty.New(p.ID)
			}
			for _, m := range members {
				if _, ok := idx[m]; ok {
					continue
				}
				idx[m] = len(out)
				out = append(out, storage.TaskParticipant{Kind: storage.ParticipantUser, UserID: m, Group: p.ID})
			}
		case storage.ParticipantExternal:
			if p.Mail == "" || !strings.Contains(p.Mail, "@") {
				return nil, ErrExternalNoMail.New()
			}
			key := strings.ToLower(p.Mail)
			if mails[key] {
				continue
			}
			mails[key] = true
			out = append(out, storage.TaskParticipant{Kind: storage.ParticipantExternal, Group: -1, Mail: p.Mail, DisplayName: p.DisplayName})
		default:
			return nil, ErrUnknownParticipant.New(p.Type)
		}
	}
	if len(users) > 0 {
		exist, err := tx.PrincipalsExist(users, false)
		if err != nil {
			return nil, err
		}
		for _, id := range users {
			if !exist[id] {
				return nil, ErrInvalidData.New(fmt.Sprintf("user %d does not exist", id))
			}
		}
	}
	for i := range out {
		for _, o := range old {
			if o.Kind == out[i].Kind && (o.Kind == storage.ParticipantUser && o.UserID == out[i].UserID ||
				o.Kind == storage.ParticipantExternal && strings.EqualFold(o.Mail, out[i].Mail)) {
				out[i].Confirm, out[i].Message = o.Confirm, o.Message
			}
		}
	}
	return out, nil
}

// buildMappings computes the folders a task appears in: the main folder
// for its user and, unless the main folder is public, a private folder of
// every internal participant (the one they already have it in, else their
// default task folder).
func buildMappings(tx *storage.Tx, public bool, main, mainUser int64, parts []storage.TaskParticipant, prev []storage.TaskFolder) ([]storage.TaskFolder, error) {
	out := []storage.TaskFolder{{User: mainUser, Folder: main}}
	if public {
		return out, nil
	}
	seen := map[int64]bool{mainUser: true}
	for _, p := range parts {
		if p.Kind != storage.ParticipantUser || seen[p.UserID] {
			continue
		}
		seen[p.UserID] = true
		f := int64(0)
		for _, m := range prev {
			if m.User == p.UserID {
				f = m.Folder
			}
		}
		if f == 0 {
			var err error
			f, err = tx.DefaultTaskFolder(p.UserID)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, storage.TaskFolder{User: p.UserID, Folder: f})
	}
	return out, nil
}

// syncMappings leaves tombstones in folders the task left and clears them
// in folders it (re)entered.
func syncMappings(tx *storage.Tx, id int64, before, after []storage.TaskFolder) error {
	in := func(ms []storage.TaskFolder, f int64) bool {
		return slices.ContainsFunc(ms, func(m storage.TaskFolder) bool { return m.Folder == f })
	}
	for _, m := range before {
		if !in(after, m.Folder) {
			if err := tx.Tombstone(storage.TombTask, m.Folder, id); err != nil {
				return err
			}
		}
	}
	for _, m := range after {
		if !in(before, m.Folder) {
			if err := tx.ClearTombstone(storage.TombTask, m.Folder, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// fixReminders keeps every reminder of a task pointing at a folder its
// user can read the task through, dropping those of users who lost it.
func fixReminders(tx *storage.Tx, t *storage.Task) error {
	rs, err := tx.RemindersOf(storage.ModuleTask, t.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		switch f := t.FolderOf(r.UserID); {
		case f != 0:
			if f != r.Folder {
				if err := tx.MoveReminder(storage.ModuleTask, t.ID, r.UserID, f); err != nil {
					return err
				}
			}
		case t.InFolder(r.Folder):
		case t.FolderID != r.Folder && t.InFolder(t.FolderID):
			if err := tx.MoveReminder(storage.ModuleTask, t.ID, r.UserID, t.FolderID); err != nil {
				return err
			}
		default:
			if err := tx.RemoveReminder(storage.ModuleTask, t.ID, r.UserID); err != nil {
				return err
			}
		}
	}
	return nil
}

// setAlarm stores or removes the caller's reminder for the task.
func setAlarm(tx *storage.Tx, t *storage.Task, user, folder int64, alarm *int64) error {
	if alarm == nil {
		return tx.RemoveReminder(storage.ModuleTask, t.ID, user)
	}
	if f := t.FolderOf(user); f != 0 {
		folder = f
	}
	return tx.SetReminder(&storage.Reminder{Module: storage.ModuleTask, TargetID: t.ID, Folder: folder, UserID: user, Alarm: *alarm})
}

func (m *Module) create(req *protocol.Request) (*protocol.Response, error) {
	body, err := decodeObject(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	id, ts, err := m.insert(req.Ctx, req.User, loc, body, nil)
	if err != nil {
		return nil, err
	}
	return protocol.OKAt(map[string]any{"id": id}, ts), nil
}

// insert creates a task from a TaskData object in the body's folder_id
// (or folder when given).
func (m *Module) insert(ctx context.Context, u *protocol.User, loc *time.Location, body map[string]any, folder *int64) (int64, int64, error) {
	t := &storage.Task{Status: 1, CreatedBy: u.ID, ModifiedBy: u.ID}
	e, err := apply(body, t, loc, true)
	if err != nil {
		return 0, 0, err
	}
	if folder != nil {
		e.folder, e.hasFolder = *folder, true
	}
	if !e.hasFolder {
		return 0, 0, ErrFolderMissing.New()
	}
	if err := validate(t, e); err != nil {
		return 0, 0, err
	}
	if err := moveToFirstOccurrence(t, userZone(u)); err != nil {
		return 0, 0, err
	}
	if t.UID == "" {
		t.UID = newUID()
	}
	err = m.DB.Write(ctx, u.ContextID, func(tx *storage.Tx) error {
		f, p, err := accessTx(tx, u, e.folder)
		if err != nil {
			return err
		}
		if !p.CanCreateObjects() {
			return ErrNoCreatePermission.New(f.Title, f.ID)
		}
		if t.Private && (f.Type == folders.TypePublic || sharedFolder(f, u)) {
			return ErrPrivateFlag.New(f.ID)
		}
		parts, err := resolveParticipants(tx, e.participants, nil)
		if err != nil {
			return err
		}
		if t.Private && len(parts) > 0 {
			return ErrNoPrivateDelegate.New()
		}
		t.Participants = parts
		t.FolderID = f.ID
		if t.Folders, err = buildMappings(tx, f.Type == folders.TypePublic, f.ID, mainUser(f, u), parts, nil); err != nil {
			return err
		}
		if err := tx.InsertTask(t); err != nil {
			return err
		}
		if e.alarmSet && e.alarm != nil {
			return setAlarm(tx, t, u.ID, f.ID, e.alarm)
		}
		return nil
	})
	if err != nil {
		return 0, 0, pim.Internal(err)
	}
	return t.ID, t.LastModified, nil
}

// copyTask returns a deep copy of t.
func copyTask(t *storage.Task) *storage.Task {
	c := *t
	c.Participants = slices.Clone(t.Participants)
	c.Folders = slices.Clone(t.Folders)
	return &c
}

// loadInFolder loads task id through folder inside the transaction and
// checks that the caller may read it there.
func loadInFolder(tx *storage.Tx, u *protocol.User, folder, id int64) (*storage.Task, pim.Access, error) {
	acc, err := taskKind.AccessTx(tx, u, folder)
	if err != nil {
		return nil, acc, err
	}
	f := acc.Folder
	if acc.Perm.Read == 0 {
		return nil, acc, ErrNoReadPermission.New(f.Title, f.ID)
	}
	t, err := tx.Task(id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, acc, ErrNotFound.New(id, u.ContextID)
	}
	if err != nil {
		return nil, acc, err
	}
	if !t.InFolder(folder) {
		return nil, acc, ErrNotInFolder.New(id, f.Title, f.ID)
	}
	if !acc.CanRead(t.CreatedBy, t.Private) {
		return nil, acc, ErrNoPermission.New(id, f.Title, f.ID)
	}
	return t, acc, nil
}

func (m *Module) update(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	client, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	body, err := decodeObject(req)
	if err != nil {
		return nil, err
	}
	loc, err := req.Location()
	if err != nil {
		return nil, err
	}
	zone := userZone(u)
	var stamp int64
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		old, acc, err := loadInFolder(tx, u, folder, id)
		if err != nil {
			return err
		}
		if pim.Stale(old.LastModified, client, true) {
			return ErrModified.New()
		}
		t := copyTask(old)
		e, err := apply(body, t, loc, false)
		if err != nil {
			return err
		}
		src := acc.Folder
		dest := src
		move := e.hasFolder && e.folder != folder
		if move {
			if !acc.CanDelete(old.CreatedBy, old.Private) {
				return ErrNoDeletePermission.New(id)
			}
			var dp perm.Permission
			dest, dp, err = accessTx(tx, u, e.folder)
			if err != nil {
				return err
			}
			if !dp.CanCreateObjects() {
				return ErrNoCreatePermission.New(dest.Title, dest.ID)
			}
			if sharedFolder(src, u) {
				return ErrNoSharedMove.New(src.Title, src.ID)
			}
			if sharedFolder(dest, u) {
				return ErrNoSharedMove.New(dest.Title, dest.ID)
			}
			if t.Private && dest.Type == folders.TypePublic {
				return ErrPrivateToPublic.New(dest.Title, dest.ID)
			}
		} else if !acc.CanWrite(old.CreatedBy, old.Private) {
			return ErrNoWritePermission.New(src.Title, src.ID)
		}
		if e.has["private_flag"] && t.Private && !old.Private {
			if old.CreatedBy != u.ID {
				return ErrOnlyCreatorPrivate.New()
			}
			if dest.Type == folders.TypePublic || sharedFolder(dest, u) {
				return ErrPrivateFlag.New(dest.ID)
			}
		}
		if err := validate(t, e); err != nil {
			return err
		}
		if recurrenceTouched(e) {
			if err := moveToFirstOccurrence(t, zone); err != nil {
				return err
			}
		}
		parts := t.Participants
		if e.hasParts {
			if parts, err = resolveParticipants(tx, e.participants, old.Participants); err != nil {
				return err
			}
		}
		if t.Private && len(parts) > 0 {
			return ErrNoPrivateDelegate.New()
		}
		t.Participants = parts
		// The main mapping's user, before any move.
		owner := old.CreatedBy
		for _, mp := range old.Folders {
			if mp.Folder == old.FolderID {
				owner = mp.User
			}
		}
		prev := slices.Clone(old.Folders)
		switch {
		case !move:
		case dest.Type == folders.TypePublic:
			t.FolderID, owner, prev = dest.ID, u.ID, nil
		case src.Type == folders.TypePublic:
			t.FolderID, owner, prev = dest.ID, mainUser(dest, u), nil
		default:
			// Between private folders only the mover's mapping moves.
			for i := range prev {
				if prev[i].Folder == src.ID {
					prev[i].Folder = dest.ID
				}
			}
			if t.FolderID == src.ID {
				t.FolderID = dest.ID
			}
		}
		var mainPublic bool
		if t.FolderID == dest.ID {
			mainPublic = dest.Type == folders.TypePublic
		} else if mf, err := tx.Folder(t.FolderID); err == nil {
			mainPublic = mf.Type == folders.TypePublic
		}
		if t.Folders, err = buildMappings(tx, mainPublic, t.FolderID, owner, parts, prev); err != nil {
			return err
		}
		t.ModifiedBy = u.ID
		if err := tx.UpdateTask(t); err != nil {
			return err
		}
		stamp = t.LastModified
		if err := syncMappings(tx, id, old.Folders, t.Folders); err != nil {
			return err
		}
		if t.FolderID != old.FolderID {
			if err := tx.MoveAttachmentsOf(storage.ModuleTask, id, t.FolderID); err != nil {
				return err
			}
		}
		if e.alarmSet {
			if err := setAlarm(tx, t, u.ID, dest.ID, e.alarm); err != nil {
				return err
			}
		}
		if err := fixReminders(tx, t); err != nil {
			return err
		}
		if t.RecurrenceType != recNone && t.Status == 3 && old.Status != 3 && e.has["status"] {
			return nextOccurrence(tx, t, u, zone)
		}
		return nil
	})
	if err != nil {
		return nil, pim.Internal(err)
	}
	return protocol.OKAt(map[string]any{}, stamp), nil
}

func recurrenceTouched(e *edit) bool {
	for _, k := range []string{"recurrence_type", "days", "day_in_month", "month", "interval", "until", "occurrences",
		"start_date", "end_date", "start_time", "end_time", "full_time"} {
		if e.has[k] {
			return true
		}
	}
	return false
}

// nextOccurrence creates the task of a series' next occurrence when a
// recurring task is done, as the reference server does
// (UpdateData.makeNextRecurrence): a new task with the next dates, not
// started, 0 %, one occurrence less, in the same folders with the same
// participants. The finished task stays as it is. Alarms and attachments
// are not carried over; a task with the same title, creator and start in
// the main folder prevents a duplicate.
func nextOccurrence(tx *storage.Tx, t *storage.Task, u *protocol.User, zone *time.Location) error {
	if t.Start == nil || t.End == nil {
		return nil
	}
	occ, err := occurrences(t, recurrenceLocation(t, zone), 2)
	if err != nil {
		return ErrInvalidData.New("recurrence: " + err.Error())
	}
	if len(occ) < 2 {
		return nil
	}
	n := copyTask(t)
	d := occ[1] - *t.Start
	s, e := *t.Start+d, *t.End+d
	n.Start, n.End = &s, &e
	dup, err := tx.SimilarTaskExists(t.FolderID, t.CreatedBy, t.Title, s)
	if err != nil || dup {
		return err
	}
	n.ID, n.CreationDate, n.UID = 0, 0, newUID()
	n.Status, n.Percent, n.DateCompleted = 1, 0, nil
	n.ModifiedBy = u.ID
	if n.Occurrences != nil {
		c := *n.Occurrences - 1
		n.Occurrences = &c
	}
	return tx.InsertTask(n)
}

func (m *Module) delete(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	client, err := req.RequireInt("timestamp")
	if err != nil {
		return nil, err
	}
	refs, err := pim.ParseRefs(req)
	if err != nil {
		return nil, err
	}
	notDeleted := []int64{}
	var keys []string
	var stamp int64
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		done := map[int64]bool{}
		for _, r := range refs {
			if done[r.ID] {
				continue
			}
			done[r.ID] = true
			t, acc, err := loadInFolder(tx, u, r.Folder, r.ID)
			if err != nil {
				return err
			}
			if !acc.CanDelete(t.CreatedBy, t.Private) {
				return ErrNoDeletePermission.New(r.ID)
			}
			if t.LastModified > client {
				notDeleted = append(notDeleted, r.ID)
				continue
			}
			k, err := removeTask(tx, t)
			if err != nil {
				return err
			}
			keys = append(keys, k...)
		}
		stamp, err = tx.Stamp()
		return err
	})
	if err != nil {
		return nil, pim.Internal(err)
	}
	m.dropBlobs(req.Ctx, keys)
	return protocol.OKAt(notDeleted, stamp), nil
}

// dropBlobs deletes attachment blobs whose rows are gone (after commit).
func (m *Module) dropBlobs(ctx context.Context, keys []string) {
	if m.Blobs == nil {
		return
	}
	for _, k := range keys {
		_ = m.Blobs.Delete(ctx, k)
	}
}

func (m *Module) confirm(req *protocol.Request) (*protocol.Response, error) {
	u := req.User
	folder, err := req.RequireInt("folder")
	if err != nil {
		return nil, err
	}
	id, err := req.RequireInt("id")
	if err != nil {
		return nil, err
	}
	client, given, err := pim.ClientTimestamp(req)
	if err != nil {
		return nil, err
	}
	body, err := decodeObject(req)
	if err != nil {
		return nil, err
	}
	c, ok := number(body["confirmation"])
	if !ok || c < 0 || c > 3 {
		return nil, bad("confirmation", "0, 1, 2 or 3")
	}
	msg, _, err := optString(body, "confirmmessage")
	if err != nil {
		return nil, err
	}
	var stamp int64
	err = m.DB.Write(req.Ctx, u.ContextID, func(tx *storage.Tx) error {
		t, _, err := loadInFolder(tx, u, folder, id)
		if err != nil {
			return err
		}
		if pim.Stale(t.LastModified, client, given) {
			return ErrModified.New()
		}
		i := slices.IndexFunc(t.Participants, func(p storage.TaskParticipant) bool {
			return p.Kind == storage.ParticipantUser && p.UserID == u.ID
		})
		if i < 0 {
			return ErrParticipantMissing.New(u.ID, id)
		}
		t.Participants[i].Confirm = int(c)
		t.Participants[i].Message = ""
		if msg != nil {
			t.Participants[i].Message = *msg
		}
		if err := tx.UpdateTask(t); err != nil {
			return err
		}
		stamp = t.LastModified
		return nil
	})
	if err != nil {
		return nil, pim.Internal(err)
	}
	return protocol.OKAt(map[string]any{}, stamp), nil
}
