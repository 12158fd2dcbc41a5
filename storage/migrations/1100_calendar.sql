-- Appointments (module 1). Times are UTC milliseconds. A series master has
-- series_id = id and recurrence_position 0; a change exception is its own
-- row with series_id = master id and recurrence_position > 0. The attachment
-- module finds parents generically by (cid, id, folder_id, created_by,
-- modified_by, private_flag, last_modified).
-- range_end is the end of the last occurrence (NULL: infinite series), so
-- range queries need no recurrence expansion to pick candidates.
-- participants/users are the wire JSON arrays (users carry the
-- confirmations); fields holds the remaining optional wire fields.
CREATE TABLE appointments (
	cid                 INTEGER NOT NULL,
	id                  INTEGER NOT NULL,
	folder_id           INTEGER NOT NULL,
	created_by          INTEGER NOT NULL,
	modified_by         INTEGER NOT NULL,
	creation_date       INTEGER NOT NULL,
	last_modified       INTEGER NOT NULL,
	private_flag        INTEGER NOT NULL DEFAULT 0,
	uid                 TEXT NOT NULL,
	series_id           INTEGER NOT NULL DEFAULT 0,
	recurrence_position INTEGER NOT NULL DEFAULT 0,
	start_ms            INTEGER NOT NULL,
	end_ms              INTEGER NOT NULL,
	full_time           INTEGER NOT NULL DEFAULT 0,
	timezone            TEXT NOT NULL DEFAULT 'UTC',
	shown_as            INTEGER NOT NULL DEFAULT 1,
	recurrence_type     INTEGER NOT NULL DEFAULT 0,
	days                INTEGER,
	day_in_month        INTEGER,
	month               INTEGER,
	interval            INTEGER,
	until               INTEGER,
	occurrences         INTEGER,
	delete_exceptions   TEXT NOT NULL DEFAULT '[]',
	range_end           INTEGER,
	participants        TEXT NOT NULL DEFAULT '[]',
	users               TEXT NOT NULL DEFAULT '[]',
	fields              TEXT NOT NULL DEFAULT '{}',
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX appointments_series ON appointments(cid, series_id);
CREATE INDEX appointments_uid ON appointments(cid, uid);
CREATE INDEX appointments_range ON appointments(cid, start_ms);

-- The folder an appointment appears in per internal user (the creator's
-- folder, each participant's default calendar), as OX's prg_dates_members.
CREATE TABLE appointment_folders (
	cid            INTEGER NOT NULL,
	appointment_id INTEGER NOT NULL,
	user_id        INTEGER NOT NULL,
	folder_id      INTEGER NOT NULL,
	PRIMARY KEY (cid, appointment_id, user_id)
) WITHOUT ROWID;
CREATE INDEX appointment_folders_folder ON appointment_folders(cid, folder_id, appointment_id);
