package storage

// InsertGroup stores a group and its members.
func (t *Tx) InsertGroup(id int64, name, displayName string, members []int64) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	if _, err := t.Exec(`INSERT INTO groups(cid, id, name, display_name, created, last_modified) VALUES(?,?,?,?,?,?)`,
		t.cid, id, name, displayName, stamp, stamp); err != nil {
		return err
	}
	return t.SetGroupMembers(id, members)
}

// SetGroupMembers replaces the members of a group.
func (t *Tx) SetGroupMembers(id int64, members []int64) error {
	if _, err := t.Exec(`DELETE FROM group_members WHERE cid = ? AND group_id = ?`, t.cid, id); err != nil {
		return err
	}
	for _, m := range members {
		if _, err := t.Exec(`INSERT OR IGNORE INTO group_members(cid, group_id, user_id) VALUES(?,?,?)`, t.cid, id, m); err != nil {
			return err
		}
	}
	return nil
}

// Resource is a bookable resource (room, projector).
type Resource struct {
	ID           int64
	Name         string
	DisplayName  string
	Mail         string
	Description  string
	Available    bool
	Created      int64
	LastModified int64
}

// InsertResource stores a resource.
func (t *Tx) InsertResource(r *Resource) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	r.Created, r.LastModified = stamp, stamp
	_, err = t.Exec(`INSERT INTO resources(cid, id, name, display_name, mail, description, available, created, last_modified) VALUES(?,?,?,?,?,?,?,?,?)`,
		t.cid, r.ID, r.Name, r.DisplayName, r.Mail, r.Description, r.Available, stamp, stamp)
	return err
}
