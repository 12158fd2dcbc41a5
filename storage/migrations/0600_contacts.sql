-- Contact pictures live in the blob store; the row keeps the key, the
-- content type and the change time of the picture (image_last_modified).
ALTER TABLE contacts ADD COLUMN image_key TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN image_type TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN image_modified INTEGER NOT NULL DEFAULT 0;

-- halo picture and investigate find people by mail address.
CREATE INDEX contacts_email1 ON contacts(cid, email1 COLLATE NOCASE);
CREATE INDEX contacts_email2 ON contacts(cid, email2 COLLATE NOCASE);
CREATE INDEX contacts_email3 ON contacts(cid, email3 COLLATE NOCASE);

-- Blobs whose owner rows were deleted inside a transaction that cannot
-- delete them after commit itself (folder clear and delete). Whoever
-- empties the trash deletes the blobs and then the rows.
CREATE TABLE blob_trash (
	key   TEXT PRIMARY KEY,
	since INTEGER NOT NULL
) WITHOUT ROWID;
