package storage

// PutPulledAttachment stores an attachment pulled from the server under
// the server's id (creation date the server's, so the parent's statistics
// match the server's). It takes the transaction's stamp as last_modified,
// so local attachment `updates` reports it.
func (t *Tx) PutPulledAttachment(a *Attachment) error {
	stamp, err := t.Stamp()
	if err != nil {
		return err
	}
	a.LastModified = stamp
	if err := t.ClearTombstone(TombAttach, a.FolderID, a.ID); err != nil {
		return err
	}
	_, err = t.Exec(`INSERT OR REPLACE INTO attachments(cid, id, module, folder_id, attached, created_by, creation_date, last_modified,
		filename, file_size, mimetype, rtf_flag, comment, blob_key) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		t.cid, a.ID, a.Module, a.FolderID, a.Attached, a.CreatedBy, a.CreationDate, a.LastModified,
		a.Filename, a.FileSize, a.MimeType, a.RTF, a.Comment, a.BlobKey)
	return err
}

// SetAttachmentCreated takes the server's creation date for an attachment
// pushed from here, whose local row carries the local time.
func (t *Tx) SetAttachmentCreated(module int, attached, id, created int64) error {
	_, err := t.Exec(`UPDATE attachments SET creation_date = ? WHERE cid = ? AND module = ? AND attached = ? AND id = ?`,
		created, t.cid, module, attached, id)
	return err
}
