-- all/list read a folder's contacts in id order; without this index the
-- planner walks the primary key of the whole context to avoid a sort.
CREATE INDEX contacts_folder_id ON contacts(cid, folder_id, id);
