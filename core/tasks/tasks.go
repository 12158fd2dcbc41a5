// Package tasks implements module `tasks` (spec lines 7530–7804): the nine
// actions, the task fields and columns 200–229/300–317, recurrence
// computed with rrule-go, participants with per-user folder mappings and
// confirmations, and the per-user task reminders. It also provides the
// folders.Content hook for "tasks" folders and the import/export entry
// points CreateTask and FolderTasks.
package tasks

import (
	"context"

	"oxlite/core/ajax"
	"oxlite/core/perm"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Error catalogue: the reference server's TaskExceptionCode numbers and
// categories.
var (
	ErrNotTaskFolder      = protocol.Def{Code: "TSK-0006", Category: protocol.CatPermissionDenied, Message: "Folder %v is not a task folder."}
	ErrModified           = protocol.Def{Code: "TSK-0007", Category: protocol.CatConflict, Message: "Edit conflict. Your change cannot be completed because somebody else has made a conflicting change to the same item. Please refresh or synchronize and try again."}
	ErrPrivateFlag        = protocol.Def{Code: "TSK-0008", Category: protocol.CatUserInput, Message: "Cannot create private task in public/shared folder %d."}
	ErrNoDeletePermission = protocol.Def{Code: "TSK-0014", Category: protocol.CatPermissionDenied, Message: "You are not allowed to delete the task %d."}
	ErrParticipantMissing = protocol.Def{Code: "TSK-0018", Category: protocol.CatError, Message: "Participant %d for task %d is not found."}
	ErrNotFound           = protocol.Def{Code: "TSK-0019", Category: protocol.CatError, Message: "Cannot find task %d in context %d."}
	ErrWrongDateRange     = protocol.Def{Code: "TSK-0021", Category: protocol.CatError, Message: "Invalid date range in search: start %d is not before end %d."}
	ErrNoReadPermission   = protocol.Def{Code: "TSK-0023", Category: protocol.CatPermissionDenied, Message: "You are not allowed to read the contents of folder %s (%d)."}
	ErrNoCreatePermission = protocol.Def{Code: "TSK-0025", Category: protocol.CatPermissionDenied, Message: "You are not allowed to create tasks in folder %s (%d)."}
	ErrFolderMissing      = protocol.Def{Code: "TSK-0027", Category: protocol.CatError, Message: "Missing folder id for creating task."}
	ErrNoPrivateDelegate  = protocol.Def{Code: "TSK-0028", Category: protocol.CatUserInput, Message: "Private flagged tasks cannot be delegated."}
	ErrInvalidPercentage  = protocol.Def{Code: "TSK-0030", Category: protocol.CatUserInput, Message: "Percent is %d but must be between 0 and 100."}
	ErrPercentageNotZero  = protocol.Def{Code: "TSK-0031", Category: protocol.CatUserInput, Message: "For tasks which are not started the percentage done must be 0 and not %d."}
	ErrNoWritePermission  = protocol.Def{Code: "TSK-0033", Category: protocol.CatPermissionDenied, Message: "You are not allowed to edit tasks in folder %s (%d)."}
	ErrNoSharedMove       = protocol.Def{Code: "TSK-0034", Category: protocol.CatPermissionDenied, Message: "Moving items from or into shared folder %s (%d) is not allowed."}
	ErrUnknownRecurrence  = protocol.Def{Code: "TSK-0036", Category: protocol.CatUserInput, Message: "Unknown recurrence type %d."}
	ErrMissingRecurrence  = protocol.Def{Code: "TSK-0037", Category: protocol.CatUserInput, Message: "Value for the recurrence is missing: %d."}
	ErrInvalidState       = protocol.Def{Code: "TSK-0039", Category: protocol.CatUserInput, Message: "Invalid task state %d."}
	ErrStartNotBeforeEnd  = protocol.Def{Code: "TSK-0040", Category: protocol.CatUserInput, Message: "Start date %d must be before end date %d."}
	ErrTruncated          = protocol.Def{Code: "TSK-0041", Category: protocol.CatTruncated, Message: "The task could not be saved. Please shorten the %s and try again. Current length %d is more than allowed length of %d characters."}
	ErrPrivateToPublic    = protocol.Def{Code: "TSK-0042", Category: protocol.CatPermissionDenied, Message: "Task with private flag cannot be moved to public folder %s (%d)."}
	ErrOnlyCreatorPrivate = protocol.Def{Code: "TSK-0043", Category: protocol.CatUserInput, Message: "Only the task creator is allowed to set private flag."}
	ErrExternalNoMail     = protocol.Def{Code: "TSK-0044", Category: protocol.CatUserInput, Message: "Cannot add external participant without email address."}
	ErrNoPermission       = protocol.Def{Code: "TSK-0046", Category: protocol.CatPermissionDenied, Message: "You are not allowed to see the task %d in folder %s (%d)."}
	ErrInvalidData        = protocol.Def{Code: "TSK-0047", Category: protocol.CatUserInput, Message: "Task contains invalid data: \"%s\""}
	ErrNotInFolder        = protocol.Def{Code: "TSK-0048", Category: protocol.CatPermissionDenied, Message: "The task %d is not stored in folder %s (%d)."}
	ErrUnknownParticipant = protocol.Def{Code: "TSK-0049", Category: protocol.CatUserInput, Message: "Unknown participant type %d."}
	ErrCostsOffLimit      = protocol.Def{Code: "TSK-0050", Category: protocol.CatUserInput, Message: "The entered value for costs is not within the allowed range. Please use a value from -9999999999.99 to 9999999999.99."}
	ErrGroupEmpty         = protocol.Def{Code: "TSK-0052", Category: protocol.CatUserInput, Message: "Group %d is empty. You can't add an empty group to a task."}
	ErrNoUIDChange        = protocol.Def{Code: "TSK-0053", Category: protocol.CatUserInput, Message: "UID of tasks can not be changed."}
	ErrInvalidPriority    = protocol.Def{Code: "TSK-0057", Category: protocol.CatUserInput, Message: "Invalid priority %d. Allowed are 1 (low), 2 (medium) and 3 (high)."}
	ErrFolderNotVisible   = protocol.Def{Code: "TSK-0059", Category: protocol.CatPermissionDenied, Message: "Folder %d is not visible to user %d."}
)

// Module serves `tasks`.
type Module struct {
	DB *storage.DB
	// Blobs holds attachment contents; blobs of deleted tasks' attachments
	// are removed after commit.
	Blobs storage.Blobs
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("tasks", "all", m.all)
	mux.Handle("tasks", "list", m.list)
	mux.Handle("tasks", "get", m.get)
	mux.Handle("tasks", "new", m.create)
	mux.Handle("tasks", "update", m.update)
	mux.Handle("tasks", "delete", m.delete)
	mux.Handle("tasks", "updates", m.updates)
	mux.Handle("tasks", "search", m.search)
	mux.Handle("tasks", "confirm", m.confirm)
}

// taskKind answers TSK-0006 for folders of other modules and TSK-0059 for
// invisible ones.
var taskKind = pim.Kind{
	Folders: "tasks", Tomb: storage.TombTask, Module: storage.ModuleTask,
	WrongFolder: ErrNotTaskFolder, NotVisible: ErrFolderNotVisible, NoRead: ErrNoReadPermission,
}

// accessTx is taskKind.AccessTx for the writers, which check the rights
// and the folder separately.
func accessTx(tx *storage.Tx, u *protocol.User, folder int64) (*storage.Folder, perm.Permission, error) {
	acc, err := taskKind.AccessTx(tx, u, folder)
	return acc.Folder, acc.Perm, err
}

// Content counts and clears the tasks of "tasks" folders for the folders
// and sync modules.
type Content struct{}

// Count implements folders.Content.
func (Content) Count(ctx context.Context, db *storage.DB, cid int64, ids []int64) (map[int64]int64, error) {
	return db.TaskCounts(ctx, cid, ids)
}

// Clear implements folders.Content; it answers how many tasks remain.
func (Content) Clear(tx *storage.Tx, folder int64, p perm.Permission, uid int64) (int64, error) {
	ts, err := tx.TasksInFolder(folder)
	if err != nil {
		return 0, err
	}
	return pim.Clear(tx, ts, p, uid, func(t *storage.Task) int64 { return t.CreatedBy }, removeTask)
}

// removeTask deletes a task everywhere (pim.Kind.Remove): its row with
// participants and mappings go, each mapping leaves a tombstone.
func removeTask(tx *storage.Tx, t *storage.Task) ([]string, error) {
	return taskKind.Remove(tx, t.ID, t.FolderID, t.Folders, tx.DeleteTask)
}
