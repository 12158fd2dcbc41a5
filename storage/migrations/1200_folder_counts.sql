-- Objects per folder (the `total` column 309 of every folder listing the UI
-- asks for), kept by triggers instead of counted per request: counting a
-- 100,000-contact folder took ~20 ms of every folders request. tbl names
-- the counted table: contacts, or the folder mappings of tasks and
-- appointments (which show in several folders).
CREATE TABLE folder_counts (
	cid       INTEGER NOT NULL,
	folder_id INTEGER NOT NULL,
	tbl       TEXT NOT NULL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (cid, folder_id, tbl)
) WITHOUT ROWID;

INSERT INTO folder_counts(cid, folder_id, tbl, n) SELECT cid, folder_id, 'contacts', count(*) FROM contacts WHERE true GROUP BY cid, folder_id;
CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts BEGIN
	INSERT INTO folder_counts(cid, folder_id, tbl, n) VALUES (NEW.cid, NEW.folder_id, 'contacts', 1)
		ON CONFLICT(cid, folder_id, tbl) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts BEGIN
	UPDATE folder_counts SET n = n - 1 WHERE cid = OLD.cid AND folder_id = OLD.folder_id AND tbl = 'contacts';
END;
CREATE TRIGGER contacts_count_move AFTER UPDATE OF cid, folder_id ON contacts
WHEN OLD.cid IS NOT NEW.cid OR OLD.folder_id IS NOT NEW.folder_id BEGIN
	UPDATE folder_counts SET n = n - 1 WHERE cid = OLD.cid AND folder_id = OLD.folder_id AND tbl = 'contacts';
	INSERT INTO folder_counts(cid, folder_id, tbl, n) VALUES (NEW.cid, NEW.folder_id, 'contacts', 1)
		ON CONFLICT(cid, folder_id, tbl) DO UPDATE SET n = n + 1;
END;

INSERT INTO folder_counts(cid, folder_id, tbl, n) SELECT cid, folder_id, 'task_folders', count(*) FROM task_folders WHERE true GROUP BY cid, folder_id;
CREATE TRIGGER task_folders_count_insert AFTER INSERT ON task_folders BEGIN
	INSERT INTO folder_counts(cid, folder_id, tbl, n) VALUES (NEW.cid, NEW.folder_id, 'task_folders', 1)
		ON CONFLICT(cid, folder_id, tbl) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER task_folders_count_delete AFTER DELETE ON task_folders BEGIN
	UPDATE folder_counts SET n = n - 1 WHERE cid = OLD.cid AND folder_id = OLD.folder_id AND tbl = 'task_folders';
END;
CREATE TRIGGER task_folders_count_move AFTER UPDATE OF cid, folder_id ON task_folders
WHEN OLD.cid IS NOT NEW.cid OR OLD.folder_id IS NOT NEW.folder_id BEGIN
	UPDATE folder_counts SET n = n - 1 WHERE cid = OLD.cid AND folder_id = OLD.folder_id AND tbl = 'task_folders';
	INSERT INTO folder_counts(cid, folder_id, tbl, n) VALUES (NEW.cid, NEW.folder_id, 'task_folders', 1)
		ON CONFLICT(cid, folder_id, tbl) DO UPDATE SET n = n + 1;
END;

INSERT INTO folder_counts(cid, folder_id, tbl, n) SELECT cid, folder_id, 'appointment_folders', count(*) FROM appointment_folders WHERE true GROUP BY cid, folder_id;
CREATE TRIGGER appointment_folders_count_insert AFTER INSERT ON appointment_folders BEGIN
	INSERT INTO folder_counts(cid, folder_id, tbl, n) VALUES (NEW.cid, NEW.folder_id, 'appointment_folders', 1)
		ON CONFLICT(cid, folder_id, tbl) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER appointment_folders_count_delete AFTER DELETE ON appointment_folders BEGIN
	UPDATE folder_counts SET n = n - 1 WHERE cid = OLD.cid AND folder_id = OLD.folder_id AND tbl = 'appointment_folders';
END;
CREATE TRIGGER appointment_folders_count_move AFTER UPDATE OF cid, folder_id ON appointment_folders
WHEN OLD.cid IS NOT NEW.cid OR OLD.folder_id IS NOT NEW.folder_id BEGIN
	UPDATE folder_counts SET n = n - 1 WHERE cid = OLD.cid AND folder_id = OLD.folder_id AND tbl = 'appointment_folders';
	INSERT INTO folder_counts(cid, folder_id, tbl, n) VALUES (NEW.cid, NEW.folder_id, 'appointment_folders', 1)
		ON CONFLICT(cid, folder_id, tbl) DO UPDATE SET n = n + 1;
END;
