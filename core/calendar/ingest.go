package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Column is one appointment column: its number and JSON name.
type Column struct {
	ID   int
	Name string
}

// Columns lists every appointment column, for clients that turn `list`
// rows into objects (the offline syncer).
func Columns() []Column {
	out := make([]Column, len(columns))
	for i, c := range columns {
		out[i] = Column{ID: c.id, Name: c.name}
	}
	return out
}

// Ingested is what Ingest stored.
type Ingested struct {
	ID, Folder     int64
	ServerModified int64
}

// Ingest stores an appointment as the server answered it to user me (an
// object keyed by column names, Time values in loc; a series as its master
// row) in the offline store. Ids, creator, participants with their
// confirmations and the series link are the server's; the appointment
// appears in the folder the server showed it in, for me only.
func Ingest(tx *storage.Tx, me int64, loc *time.Location, obj map[string]any) (*Ingested, error) {
	id, ok := num(obj["id"])
	if !ok {
		return nil, fmt.Errorf("appointment without valid id: %v", obj["id"])
	}
	folder, ok := num(obj["folder_id"])
	if !ok {
		return nil, fmt.Errorf("appointment %d without valid folder_id", id)
	}
	old, err := tx.Appointment(id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	v := decode(&storage.Appointment{ID: id, ShownAs: 1, TimeZone: "UTC"})
	if old != nil {
		v = decode(old)
	}
	body := map[string]any{}
	for k, x := range obj {
		switch k {
		case "id", "folder_id", "users", "participants", "change_exceptions", "delete_exceptions", "alarm":
			continue
		}
		body[k] = x
	}
	if tz, _ := body["timezone"].(string); !protocol.ValidTimeZone(tz) {
		delete(body, "timezone")
	}
	if err := apply(v, body, loc); err != nil {
		return nil, fmt.Errorf("appointment %d: %w", id, err)
	}
	if raw, err := json.Marshal(obj["participants"]); err == nil {
		v.participants = nil
		_ = json.Unmarshal(raw, &v.participants)
	}
	if raw, err := json.Marshal(obj["users"]); err == nil {
		v.users = nil
		_ = json.Unmarshal(raw, &v.users)
	}
	v.delExc = nil
	if raw, err := json.Marshal(obj["delete_exceptions"]); err == nil {
		_ = json.Unmarshal(raw, &v.delExc)
	}
	// The server shows me my own alarm.
	if err := v.setAlarm(me, obj["alarm"]); err != nil {
		return nil, fmt.Errorf("appointment %d: %w", id, err)
	}
	if s, ok := obj["uid"].(string); ok {
		v.UID = s
	}
	v.CreatedBy, _ = num(obj["created_by"])
	// v still holds the stored mappings and folder.
	maps, moved := pim.PulledMappings(tx, v.Folders, folder, v.CreatedBy, me)
	oldFolder := v.FolderID
	v.Folders = maps
	if old == nil || !v.InFolder(oldFolder) {
		v.FolderID = folder
	}
	v.ModifiedBy, _ = num(obj["modified_by"])
	if c, ok := num(obj["creation_date"]); ok {
		v.CreationDate = protocol.FromTime(c, loc)
	}
	v.SeriesID, _ = num(obj["recurrence_id"])
	if pos, ok := num(obj["recurrence_position"]); ok && v.SeriesID != 0 && v.SeriesID != id {
		v.RecurrencePosition = pos
		v.RecurrenceType = 0
		if d, ok := num(obj["recurrence_date_position"]); ok {
			v.fields["recurrence_date_position"] = d
		}
	} else {
		v.RecurrencePosition = 0
		if v.RecurrenceType != 0 {
			v.SeriesID = id
		}
	}
	if err := validate(v); err != nil {
		return nil, fmt.Errorf("appointment %d: %w", id, err)
	}
	out := &Ingested{ID: id, Folder: folder}
	out.ServerModified, _ = num(obj["last_modified_utc"])
	if err := tx.AdvanceStamp(out.ServerModified); err != nil {
		return nil, err
	}
	v.encode()
	if old == nil {
		if err := tx.InsertAppointment(v.Appointment); err != nil {
			return nil, err
		}
		if err := tx.ClearTombstone(storage.TombCalendar, folder, id); err != nil {
			return nil, err
		}
	} else {
		if err := tx.UpdateAppointment(v.Appointment); err != nil {
			return nil, err
		}
		for _, f := range moved {
			if err := tx.Tombstone(storage.TombCalendar, f, id); err != nil {
				return nil, err
			}
		}
		if oldFolder != v.FolderID {
			if err := tx.MoveAttachmentsOf(storage.ModuleAppointment, id, v.FolderID); err != nil {
				return nil, err
			}
		}
	}
	return out, syncReminders(tx, v)
}

// RemoveFromFolder takes an appointment out of one folder the way a
// server-side removal from that folder arrives (a participant removed, a
// participant deleting it from their calendar): it stays in the others
// (stays reports it) and is deleted when none is left.
func RemoveFromFolder(tx *storage.Tx, id, folder int64) (stays bool, err error) {
	a, err := tx.Appointment(id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rest := pim.LeftMappings(a.Folders, folder)
	if len(rest) == 0 || len(rest) == len(a.Folders) {
		_, err := Remove(tx, id)
		return false, err
	}
	a.Folders = rest
	if a.FolderID, err = apptKind.MainFolder(tx, id, a.FolderID, rest); err != nil {
		return false, err
	}
	if err := tx.UpdateAppointment(a); err != nil {
		return false, err
	}
	return true, tx.Tombstone(storage.TombCalendar, folder, id)
}

// Remove deletes an appointment from the offline store the way a
// server-side deletion arrives; false when it did not exist.
func Remove(tx *storage.Tx, id int64) (bool, error) {
	return pim.Delete(tx, id, tx.Appointment, removeAppt)
}
