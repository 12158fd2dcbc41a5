-- `updates` of tasks and appointments reads the objects changed since a
-- timestamp: without these it walked every object of the folder (a
-- 100,000-task folder: 100,000 rows read for the 10 changed). Contacts
-- have contacts_folder(cid, folder_id, last_modified) since the start;
-- tasks and appointments reach their folders through a mapping table, so
-- the index is per context.
CREATE INDEX tasks_modified ON tasks(cid, last_modified);
CREATE INDEX appointments_modified ON appointments(cid, last_modified);
