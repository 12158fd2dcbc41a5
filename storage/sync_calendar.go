package storage

// Queries of the offline sync for appointments (module "calendar"): an
// appointment is in every folder appointment_folders maps it to (the
// participants' calendars); its own folder is the one it was created in.
const (
	localAppointmentIDs = `SELECT appointment_id FROM appointment_folders WHERE cid = ? AND folder_id = ?`
	appointmentFolder   = `SELECT folder_id FROM appointments WHERE cid = ? AND id = ?`
)

// PutPulledResource stores a resource as the server has it (appointments
// made offline may book it).
func (t *Tx) PutPulledResource(r *Resource) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`INSERT INTO resources(cid, id, name, display_name, mail, description, available, created, last_modified)
		VALUES(?,?,?,?,?,?,?,?,?) ON CONFLICT(cid, id) DO UPDATE SET name = excluded.name, display_name = excluded.display_name,
		mail = excluded.mail, description = excluded.description, available = excluded.available, last_modified = excluded.last_modified`,
		t.cid, r.ID, r.Name, r.DisplayName, r.Mail, r.Description, r.Available, stamp, stamp)
	return err
}
