package storage

// UserContact is the global-address-book entry of a user.
type UserContact struct {
	ID          int64
	UserID      int64
	DisplayName string
	FirstName   string
	LastName    string
	Email       string
	CreatedBy   int64
}

// InsertUserContact stores a user's entry in folder 6.
func (t *Tx) InsertUserContact(c *UserContact) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	_, err = t.Exec(`INSERT INTO contacts(cid, id, folder_id, user_id, created_by, modified_by, creation_date, last_modified,
		display_name, first_name, last_name, email1) VALUES(?,?,6,?,?,?,?,?,?,?,?,?)`,
		t.cid, c.ID, c.UserID, c.CreatedBy, c.CreatedBy, stamp, stamp, c.DisplayName, c.FirstName, c.LastName, c.Email)
	return err
}
