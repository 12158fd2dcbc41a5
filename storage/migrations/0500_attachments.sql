-- Blobs: content-addressed bytes for the stores that keep them in SQLite
-- (the browser); the native server keeps them as files named by key.
CREATE TABLE blobs (
	key  TEXT PRIMARY KEY,
	data BLOB NOT NULL
) WITHOUT ROWID;

-- PIM attachments (module 1 appointment, 4 task, 7 contact). `attached`
-- is the parent object's id; the parent tables report
-- number_of_attachments and lastModifiedOfNewestAttachmentUTC from here.
CREATE TABLE attachments (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	module        INTEGER NOT NULL,
	folder_id     INTEGER NOT NULL,
	attached      INTEGER NOT NULL,
	created_by    INTEGER NOT NULL,
	creation_date INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	filename      TEXT NOT NULL,
	file_size     INTEGER NOT NULL,
	mimetype      TEXT NOT NULL,
	rtf_flag      INTEGER NOT NULL DEFAULT 0,
	comment       TEXT NOT NULL DEFAULT '',
	blob_key      TEXT NOT NULL,
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX attachments_parent ON attachments(cid, module, attached);
CREATE INDEX attachments_blob ON attachments(blob_key);
