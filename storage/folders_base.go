package storage

// Permission is one folder permission entry in the JSON value scale:
// Folder 0 none, 1 see, 2 create objects, 4 create subfolders, 64 all;
// Read/Write/Delete 0 none, 1 own, 2 all, 64 admin.
type Permission struct {
	Entity int64
	Group  bool
	Folder int
	Read   int
	Write  int
	Delete int
	Admin  bool
}

// Folder is a stored folder row.
type Folder struct {
	ContextID    int64
	ID           int64
	Parent       int64
	Title        string
	Module       string
	Type         int
	Owner        int64
	CreatedBy    int64
	ModifiedBy   int64
	CreationDate int64
	LastModified int64
	DefaultType  int
	Subscribed   bool
	Meta         string
	Permissions  []Permission
}

// InsertFolder stores a folder and its permissions stamped with the
// transaction's sequence value (ID must be allocated by the caller).
func (t *Tx) InsertFolder(f *Folder) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	f.ContextID = t.cid
	if f.CreationDate == 0 {
		f.CreationDate = stamp
	}
	f.LastModified = stamp
	_, err = t.Exec(`INSERT INTO folders(cid, id, parent, title, module, type, owner, created_by, modified_by, creation_date, last_modified, default_type, subscribed, meta)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, t.cid, f.ID, f.Parent, f.Title, f.Module, f.Type, f.Owner, f.CreatedBy, f.ModifiedBy,
		f.CreationDate, f.LastModified, f.DefaultType, f.Subscribed, f.Meta)
	if err != nil {
		return err
	}
	return t.ReplacePermissions(f.ID, f.Permissions)
}

// ReplacePermissions sets the permissions of a folder.
func (t *Tx) ReplacePermissions(folder int64, perms []Permission) error {
	if _, err := t.Exec(`DELETE FROM folder_permissions WHERE cid = ? AND folder_id = ?`, t.cid, folder); err != nil {
		return err
	}
	for _, p := range perms {
		if _, err := t.Exec(`INSERT INTO folder_permissions(cid, folder_id, entity, is_group, fp, rp, wp, dp, admin) VALUES(?,?,?,?,?,?,?,?,?)
			ON CONFLICT(cid, folder_id, entity, is_group) DO UPDATE SET fp=excluded.fp, rp=excluded.rp, wp=excluded.wp, dp=excluded.dp, admin=excluded.admin`,
			t.cid, folder, p.Entity, p.Group, p.Folder, p.Read, p.Write, p.Delete, p.Admin); err != nil {
			return err
		}
	}
	return nil
}
