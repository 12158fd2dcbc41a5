package tasks

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Column is one task column: its number and JSON name.
type Column struct {
	ID   int
	Name string
}

// Columns lists every task column, for clients that turn `list` rows into
// objects (the offline syncer asks the server for all of them).
func Columns() []Column {
	out := make([]Column, len(fields))
	for i, f := range fields {
		out[i] = Column{ID: f.id, Name: f.name}
	}
	return out
}

// Ingested is what Ingest stored.
type Ingested struct {
	ID, Folder int64
	// ServerModified is the object's last_modified on the server.
	ServerModified int64
}

// Ingest stores a task as the server answered it to user me (an object
// keyed by column names, numbers as json.Number, Time values in loc) in
// the offline store. Id, folder, creator, modifier, creation date,
// participants with their confirmations and me's alarm are the server's;
// last_modified is a local stamp taken after the server's. The task
// appears in the folder the server showed it in, for me only.
func Ingest(tx *storage.Tx, me int64, loc *time.Location, obj map[string]any) (*Ingested, error) {
	id, ok := pim.ParseID(obj["id"])
	if !ok {
		return nil, fmt.Errorf("task without valid id: %v", obj["id"])
	}
	folder, ok := pim.ParseID(obj["folder_id"])
	if !ok {
		return nil, fmt.Errorf("task %d without valid folder_id", id)
	}
	old, err := tx.Task(id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	body := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "participants", "users", "folder_id", "id":
			continue
		}
		body[k] = v
	}
	t := &storage.Task{ID: id, Status: 1}
	e, err := apply(body, t, loc, true)
	if err != nil {
		return nil, fmt.Errorf("task %d: %w", id, err)
	}
	t.CreatedBy, _ = number(obj["created_by"])
	var oldMaps []storage.FolderMapping
	if old != nil {
		oldMaps = old.Folders
	}
	t.Folders, _ = pim.PulledMappings(tx, oldMaps, folder, t.CreatedBy, me)
	t.FolderID = folder
	if old != nil && t.InFolder(old.FolderID) {
		t.FolderID = old.FolderID
	}
	t.ModifiedBy, _ = number(obj["modified_by"])
	if v, ok := number(obj["creation_date"]); ok {
		t.CreationDate = protocol.FromTime(v, loc)
	}
	t.Participants = ingestParticipants(obj["participants"], obj["users"])
	out := &Ingested{ID: id, Folder: folder}
	out.ServerModified, _ = number(obj["last_modified_utc"])
	if err := tx.AdvanceStamp(out.ServerModified); err != nil {
		return nil, err
	}
	if old == nil {
		if err := tx.InsertTask(t); err != nil {
			return nil, err
		}
		if err := tx.ClearTombstone(storage.TombTask, folder, id); err != nil {
			return nil, err
		}
	} else {
		if err := tx.UpdateTask(t); err != nil {
			return nil, err
		}
		if err := syncMappings(tx, id, old.Folders, t.Folders); err != nil {
			return nil, err
		}
		if old.FolderID != t.FolderID {
			if err := tx.MoveAttachmentsOf(storage.ModuleTask, id, t.FolderID); err != nil {
				return nil, err
			}
		}
	}
	if e.alarmSet && e.alarm != nil {
		err = setAlarm(tx, t, me, folder, e.alarm)
	} else {
		err = tx.RemoveReminder(storage.ModuleTask, id, me)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ingestParticipants rebuilds stored participants from columns 220 and
// 221: users listed directly keep group -1, the other internal users came
// through the first listed group.
func ingestParticipants(parts, users any) []storage.TaskParticipant {
	var out []storage.TaskParticipant
	direct := map[int64]bool{}
	group := int64(-1)
	pl, _ := parts.([]any)
	for _, raw := range pl {
		o, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := number(o["type"])
		switch typ {
		case storage.ParticipantUser:
			if id, ok := number(o["id"]); ok && !direct[id] {
				direct[id] = true
				c, _ := number(o["confirmation"])
				out = append(out, storage.TaskParticipant{Kind: storage.ParticipantUser, UserID: id, Group: -1, Confirm: int(c)})
			}
		case 2:
			if g, ok := number(o["id"]); ok && group < 0 {
				group = g
			}
		case storage.ParticipantExternal:
			mail, _ := o["mail"].(string)
			name, _ := o["display_name"].(string)
			c, _ := number(o["confirmation"])
			out = append(out, storage.TaskParticipant{Kind: storage.ParticipantExternal, Group: -1, Mail: mail, DisplayName: name, Confirm: int(c)})
		}
	}
	ul, _ := users.([]any)
	for _, raw := range ul {
		o, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		id, ok := number(o["id"])
		if !ok {
			continue
		}
		c, _ := number(o["confirmation"])
		msg, _ := o["confirmmessage"].(string)
		if i := slices.IndexFunc(out, func(p storage.TaskParticipant) bool {
			return p.Kind == storage.ParticipantUser && p.UserID == id
		}); i >= 0 {
			out[i].Confirm, out[i].Message = int(c), msg
			continue
		}
		out = append(out, storage.TaskParticipant{Kind: storage.ParticipantUser, UserID: id, Group: group, Confirm: int(c), Message: msg})
	}
	return out
}

// RemoveFromFolder takes a task out of one folder the way a server-side
// removal from that folder arrives (a participant removed): it stays in
// the others (stays reports it) and is deleted when none is left.
func RemoveFromFolder(tx *storage.Tx, id, folder int64) (stays bool, err error) {
	t, err := tx.Task(id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rest := pim.LeftMappings(t.Folders, folder)
	if len(rest) == 0 || len(rest) == len(t.Folders) {
		_, err := Remove(tx, id)
		return false, err
	}
	before := t.Folders
	t.Folders = rest
	if t.FolderID, err = taskKind.MainFolder(tx, id, t.FolderID, rest); err != nil {
		return false, err
	}
	if err := tx.UpdateTask(t); err != nil {
		return false, err
	}
	if err := syncMappings(tx, id, before, t.Folders); err != nil {
		return false, err
	}
	return true, fixReminders(tx, t)
}

// Remove deletes a task from the offline store the way a server-side
// deletion arrives (row, relations, reminders, attachments; tombstones
// stay). It answers false when the task did not exist.
func Remove(tx *storage.Tx, id int64) (bool, error) {
	return pim.Delete(tx, id, tx.Task, removeTask)
}
