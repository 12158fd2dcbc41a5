-- Offline sync bookkeeping of the service worker's store (docs/offline.md
-- §2). The native server creates the tables too and leaves them empty.

-- Store-wide settings of the sync: server base URL, session, user and
-- context ids, last sync time, last error, relogin flag.
CREATE TABLE sync_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- Per module and folder the server timestamp of the last pull (0: the
-- folder has not been loaded yet).
CREATE TABLE sync_state (
	cid       INTEGER NOT NULL,
	module    TEXT NOT NULL,
	folder_id INTEGER NOT NULL,
	timestamp INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (cid, module, folder_id)
) WITHOUT ROWID;

-- The server's version of every pulled object: its last_modified on the
-- server is the base timestamp of local changes (local rows carry local
-- change-sequence stamps so that local `updates` sees pulled changes).
CREATE TABLE sync_objects (
	cid             INTEGER NOT NULL,
	module          TEXT NOT NULL,
	id              INTEGER NOT NULL,
	folder_id       INTEGER NOT NULL,
	server_modified INTEGER NOT NULL,
	PRIMARY KEY (cid, module, id)
) WITHOUT ROWID;
CREATE INDEX sync_objects_folder ON sync_objects(cid, module, folder_id);

-- Local writes waiting to be pushed, in order. record is msgpack: the OX
-- request (params, body) and the base version of the object.
CREATE TABLE outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	cid        INTEGER NOT NULL,
	module     TEXT NOT NULL,
	action     TEXT NOT NULL,
	object_id  INTEGER NOT NULL DEFAULT 0,
	folder_id  INTEGER NOT NULL DEFAULT 0,
	record     BLOB NOT NULL,
	created    INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_try   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_object ON outbox(cid, module, object_id);

-- Temporary (negative) ids of objects created offline and the server ids
-- they received when pushed.
CREATE TABLE id_map (
	cid       INTEGER NOT NULL,
	module    TEXT NOT NULL,
	temp_id   INTEGER NOT NULL,
	server_id INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	PRIMARY KEY (cid, module, temp_id)
) WITHOUT ROWID;

-- What the push could not settle alone, shown to the person: kind field
-- (the same field changed on both sides), deleted_on_server (edited here,
-- deleted there), changed_on_server (deleted here, edited there) or
-- rejected (the server refused the change). Values are msgpack.
CREATE TABLE conflicts (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	cid                  INTEGER NOT NULL,
	module               TEXT NOT NULL,
	object_id            INTEGER NOT NULL,
	folder_id            INTEGER NOT NULL,
	kind                 TEXT NOT NULL,
	field                TEXT NOT NULL DEFAULT '',
	base                 BLOB,
	local                BLOB,
	server               BLOB,
	server_modified_by   INTEGER NOT NULL DEFAULT 0,
	server_last_modified INTEGER NOT NULL DEFAULT 0,
	error                TEXT NOT NULL DEFAULT '',
	request              BLOB,
	created              INTEGER NOT NULL,
	resolved             INTEGER NOT NULL DEFAULT 0,
	resolution           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conflicts_open ON conflicts(cid, resolved, module, object_id);
