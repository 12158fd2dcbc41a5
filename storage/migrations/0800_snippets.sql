-- Snippets (signatures and the like): per user, optionally shared with the
-- whole context (read-only for the others). misc and props keep the JSON
-- value the client sent, as text.
CREATE TABLE snippets (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	created_by    INTEGER NOT NULL,
	account_id    INTEGER,
	display_name  TEXT NOT NULL DEFAULT '',
	type          TEXT NOT NULL DEFAULT '',
	module        TEXT NOT NULL DEFAULT '',
	content       TEXT NOT NULL DEFAULT '',
	shared        INTEGER NOT NULL DEFAULT 0,
	misc          TEXT,
	props         TEXT,
	creation_date INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX snippets_owner ON snippets(cid, created_by);
CREATE INDEX snippets_shared ON snippets(cid, shared);

-- Files of a snippet; the bytes live in the blob store under blob_key.
CREATE TABLE snippet_files (
	cid        INTEGER NOT NULL,
	snippet_id INTEGER NOT NULL,
	id         TEXT NOT NULL,
	filename   TEXT NOT NULL DEFAULT '',
	mimetype   TEXT NOT NULL DEFAULT '',
	content_id TEXT NOT NULL DEFAULT '',
	size       INTEGER NOT NULL,
	blob_key   TEXT NOT NULL,
	position   INTEGER NOT NULL,
	PRIMARY KEY (cid, snippet_id, id)
) WITHOUT ROWID;

-- The tombstones of attachments carry no parent, but `attachment?action=
-- updates` reports deletions per parent object: remember the parent of
-- every deleted attachment for as long as its tombstone lives. Triggers
-- catch every path that deletes attachment rows (detach, parent deleted).
CREATE TABLE attachment_gone (
	cid       INTEGER NOT NULL,
	id        INTEGER NOT NULL,
	module    INTEGER NOT NULL,
	attached  INTEGER NOT NULL,
	folder_id INTEGER NOT NULL,
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX attachment_gone_parent ON attachment_gone(cid, module, attached);

CREATE TRIGGER attachment_gone_insert AFTER DELETE ON attachments
BEGIN
	INSERT OR REPLACE INTO attachment_gone(cid, id, module, attached, folder_id)
	VALUES (old.cid, old.id, old.module, old.attached, old.folder_id);
END;

CREATE TRIGGER attachment_gone_prune AFTER DELETE ON tombstones
WHEN old.module = 'attachment'
BEGIN
	DELETE FROM attachment_gone WHERE cid = old.cid AND id = old.id;
END;
