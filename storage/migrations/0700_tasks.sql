-- Tasks (module 4), their participants and folder mappings, and the
-- reminders of every PIM module. Times are UTC milliseconds.

-- One row per task. folder_id is the main folder (where the task was
-- created or moved to by its owner); the attachment module finds parents
-- by (cid, id) and touches last_modified/modified_by. Nullable columns
-- are fields the client left unset (answered as null).
CREATE TABLE tasks (
	cid                 INTEGER NOT NULL,
	id                  INTEGER NOT NULL,
	folder_id           INTEGER NOT NULL,
	created_by          INTEGER NOT NULL,
	modified_by         INTEGER NOT NULL,
	creation_date       INTEGER NOT NULL,
	last_modified       INTEGER NOT NULL,
	private_flag        INTEGER NOT NULL DEFAULT 0,
	uid                 TEXT NOT NULL,
	title               TEXT,
	note                TEXT,
	categories          TEXT,
	color_label         INTEGER NOT NULL DEFAULT 0,
	start_ms            INTEGER,
	end_ms              INTEGER,
	full_time           INTEGER NOT NULL DEFAULT 0,
	status              INTEGER NOT NULL DEFAULT 1,
	percent_completed   INTEGER NOT NULL DEFAULT 0,
	priority            INTEGER,
	date_completed      INTEGER,
	actual_costs        REAL,
	target_costs        REAL,
	actual_duration     INTEGER,
	target_duration     INTEGER,
	billing_information TEXT,
	currency            TEXT,
	trip_meter          TEXT,
	companies           TEXT,
	recurrence_type     INTEGER NOT NULL DEFAULT 0,
	days                INTEGER,
	day_in_month        INTEGER,
	month               INTEGER,
	interval            INTEGER,
	until               INTEGER,
	occurrences         INTEGER,
	PRIMARY KEY (cid, id)
) WITHOUT ROWID;
CREATE INDEX tasks_folder ON tasks(cid, folder_id);
CREATE INDEX tasks_uid ON tasks(cid, uid);

-- The folders a task appears in: one per user (the owner of the main
-- folder, and each internal participant in a private folder of theirs),
-- as in OX's task_folder table.
CREATE TABLE task_folders (
	cid       INTEGER NOT NULL,
	task_id   INTEGER NOT NULL,
	user_id   INTEGER NOT NULL,
	folder_id INTEGER NOT NULL,
	PRIMARY KEY (cid, task_id, user_id)
) WITHOUT ROWID;
CREATE INDEX task_folders_folder ON task_folders(cid, folder_id, task_id);

-- Participants: kind 1 internal user (group_id set when added through a
-- group), kind 5 external address. confirm: 0 none, 1 accepted,
-- 2 declined, 3 tentative.
CREATE TABLE task_participants (
	cid          INTEGER NOT NULL,
	task_id      INTEGER NOT NULL,
	pos          INTEGER NOT NULL,
	kind         INTEGER NOT NULL,
	user_id      INTEGER NOT NULL DEFAULT 0,
	group_id     INTEGER NOT NULL DEFAULT -1,
	mail         TEXT NOT NULL DEFAULT '',
	display_name TEXT NOT NULL DEFAULT '',
	confirm      INTEGER NOT NULL DEFAULT 0,
	message      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (cid, task_id, pos)
) WITHOUT ROWID;
CREATE INDEX task_participants_user ON task_participants(cid, user_id);

-- Reminders of every module (1 appointment, 4 task): one per user and
-- target object; folder is the folder the user reads the target through.
CREATE TABLE reminders (
	cid                 INTEGER NOT NULL,
	id                  INTEGER NOT NULL,
	module              INTEGER NOT NULL,
	target_id           INTEGER NOT NULL,
	folder_id           INTEGER NOT NULL,
	user_id             INTEGER NOT NULL,
	alarm               INTEGER NOT NULL,
	recurrence_position INTEGER NOT NULL DEFAULT 0,
	last_modified       INTEGER NOT NULL,
	PRIMARY KEY (cid, id),
	UNIQUE (cid, module, target_id, user_id)
) WITHOUT ROWID;
CREATE INDEX reminders_user ON reminders(cid, user_id, alarm);
