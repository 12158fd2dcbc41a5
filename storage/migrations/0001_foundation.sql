-- Foundation schema: tenants, principals, sessions, folders, settings.
-- Every tenant row carries cid. Times are UTC milliseconds.

CREATE TABLE server_settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE contexts (
	id                INTEGER PRIMARY KEY,
	name              TEXT NOT NULL UNIQUE,
	enabled           INTEGER NOT NULL DEFAULT 1,
	admin_id          INTEGER NOT NULL DEFAULT 0,
	created           INTEGER NOT NULL,
	tombstone_horizon INTEGER NOT NULL DEFAULT 0
);

-- The per-context change sequence: every write takes max(now_ms, last+1).
CREATE TABLE ctx_seq (
	cid  INTEGER PRIMARY KEY,
	last INTEGER NOT NULL
);

-- Per-context id sequences, one per object kind.
CREATE TABLE id_seq (
	cid  INTEGER NOT NULL,
	kind TEXT NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (cid, kind)
) WITHOUT ROWID;

CREATE TABLE users (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	login         TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	timezone      TEXT NOT NULL DEFAULT 'UTC',
	locale        TEXT NOT NULL DEFAULT 'en_US',
	contact_id    INTEGER NOT NULL DEFAULT 0,
	is_admin      INTEGER NOT NULL DEFAULT 0,
	enabled       INTEGER NOT NULL DEFAULT 1,
	aliases       TEXT NOT NULL DEFAULT '[]',
	created       INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	PRIMARY KEY (cid, id),
	UNIQUE (cid, login)
) WITHOUT ROWID;

CREATE TABLE user_attributes (
	cid     INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	name    TEXT NOT NULL,
	value   TEXT NOT NULL,
	PRIMARY KEY (cid, user_id, name)
) WITHOUT ROWID;

CREATE TABLE groups (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	name          TEXT NOT NULL,
	display_name  TEXT NOT NULL,
	created       INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	PRIMARY KEY (cid, id),
	UNIQUE (cid, name)
) WITHOUT ROWID;

CREATE TABLE group_members (
	cid      INTEGER NOT NULL,
	group_id INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	PRIMARY KEY (cid, group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members(cid, user_id);

CREATE TABLE resources (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	name          TEXT NOT NULL,
	display_name  TEXT NOT NULL,
	mail          TEXT NOT NULL DEFAULT '',
	description   TEXT NOT NULL DEFAULT '',
	available     INTEGER NOT NULL DEFAULT 1,
	created       INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	PRIMARY KEY (cid, id),
	UNIQUE (cid, name)
) WITHOUT ROWID;

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	cid        INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	secret     TEXT NOT NULL,
	public_id  TEXT NOT NULL UNIQUE,
	random     TEXT NOT NULL DEFAULT '',
	client     TEXT NOT NULL,
	login      TEXT NOT NULL,
	ip         TEXT NOT NULL,
	user_agent TEXT NOT NULL DEFAULT '',
	hash       TEXT NOT NULL,
	locale     TEXT NOT NULL DEFAULT '',
	stored     INTEGER NOT NULL DEFAULT 0,
	created    INTEGER NOT NULL,
	last_used  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(cid, user_id);

-- Short-lived login tokens (acquireToken/redeemToken, tokenLogin, random).
CREATE TABLE login_tokens (
	token        TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	session_id   TEXT NOT NULL,
	client_token TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL
) WITHOUT ROWID;

-- Folders of every module except mail. type: 1 private, 2 public, 5 system,
-- 16 trash; default_type is the module number of a default folder or 0.
CREATE TABLE folders (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	parent        INTEGER NOT NULL,
	title         TEXT NOT NULL,
	module        TEXT NOT NULL,
	type          INTEGER NOT NULL,
	owner         INTEGER NOT NULL DEFAULT 0,
	created_by    INTEGER NOT NULL DEFAULT 0,
	modified_by   INTEGER NOT NULL DEFAULT 0,
	creation_date INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	default_type  INTEGER NOT NULL DEFAULT 0,
	subscribed    INTEGER NOT NULL DEFAULT 1,
	meta          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX folders_parent ON folders(cid, parent);
CREATE INDEX folders_owner ON folders(cid, owner, module);
CREATE INDEX folders_modified ON folders(cid, last_modified);

-- Permissions in the JSON value scale: folder 0/1/2/4/64, objects 0/1/2/64.
CREATE TABLE folder_permissions (
	cid       INTEGER NOT NULL,
	folder_id INTEGER NOT NULL,
	entity    INTEGER NOT NULL,
	is_group  INTEGER NOT NULL,
	fp        INTEGER NOT NULL,
	rp        INTEGER NOT NULL,
	wp        INTEGER NOT NULL,
	dp        INTEGER NOT NULL,
	admin     INTEGER NOT NULL,
	PRIMARY KEY (cid, folder_id, entity, is_group)
) WITHOUT ROWID;
CREATE INDEX folder_permissions_entity ON folder_permissions(cid, entity, is_group);

-- Contacts. Users' entries in the global address book (folder 6) have
-- user_id set. Searchable fields are columns; the rest is JSON in fields.
CREATE TABLE contacts (
	cid           INTEGER NOT NULL,
	id            INTEGER NOT NULL,
	folder_id     INTEGER NOT NULL,
	user_id       INTEGER NOT NULL DEFAULT 0,
	created_by    INTEGER NOT NULL DEFAULT 0,
	modified_by   INTEGER NOT NULL DEFAULT 0,
	creation_date INTEGER NOT NULL,
	last_modified INTEGER NOT NULL,
	private_flag  INTEGER NOT NULL DEFAULT 0,
	display_name  TEXT NOT NULL DEFAULT '',
	first_name    TEXT NOT NULL DEFAULT '',
	last_name     TEXT NOT NULL DEFAULT '',
	company       TEXT NOT NULL DEFAULT '',
	email1        TEXT NOT NULL DEFAULT '',
	email2        TEXT NOT NULL DEFAULT '',
	email3        TEXT NOT NULL DEFAULT '',
	uid           TEXT NOT NULL DEFAULT '',
	fields        TEXT NOT NULL DEFAULT '{}',
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX contacts_folder ON contacts(cid, folder_id, last_modified);
CREATE INDEX contacts_user ON contacts(cid, user_id);

-- Deletions and moves, so `updates` can report them.
CREATE TABLE tombstones (
	cid       INTEGER NOT NULL,
	module    TEXT NOT NULL,
	folder_id INTEGER NOT NULL,
	id        INTEGER NOT NULL,
	seq       INTEGER NOT NULL,
	PRIMARY KEY (cid, module, folder_id, id)
) WITHOUT ROWID;
CREATE INDEX tombstones_seq ON tombstones(cid, module, folder_id, seq);

-- JSlob trees per user (io.ox/core, io.ox/mail, ...).
CREATE TABLE jslobs (
	cid     INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	id      TEXT NOT NULL,
	tree    TEXT NOT NULL,
	PRIMARY KEY (cid, user_id, id)
) WITHOUT ROWID;

-- Writable config-tree leaves per user (config PUT, set_property).
CREATE TABLE user_config (
	cid     INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	path    TEXT NOT NULL,
	value   TEXT NOT NULL,
	PRIMARY KEY (cid, user_id, path)
) WITHOUT ROWID;
