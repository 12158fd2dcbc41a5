// Package calendar implements the legacy module `calendar` (spec lines
// 889–1320): appointments with series computed by rrule-go in the
// appointment's own zone, change and delete exceptions, participants with
// per-user folder mappings and confirmations, and conflict checks (hard for
// resources). It also provides the folders.Content hook for "calendar".
package calendar

import (
	"context"

	"oxlite/core/ajax"
	"oxlite/core/perm"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Error catalogue. APP-0011 and APP-0098 are the reference server's
// (OXCalendarExceptionCodes); the others are numbered by oxlite in the APP
// range and listed in docs/decisions.md.
var (
	ErrNotCalendarFolder  = protocol.Def{Code: "APP-0001", Category: protocol.CatPermissionDenied, Message: "Folder %v is not a calendar folder."}
	ErrModified           = protocol.Def{Code: "APP-0002", Category: protocol.CatConflict, Message: "Edit conflict. Your change cannot be completed because somebody else has made a conflicting change to the same item. Please refresh or synchronize and try again."}
	ErrNotFound           = protocol.Def{Code: "APP-0003", Category: protocol.CatUserInput, Message: "Cannot find appointment %d in context %d."}
	ErrNoReadPermission   = protocol.Def{Code: "APP-0004", Category: protocol.CatPermissionDenied, Message: "You are not allowed to read the contents of folder %s (%d)."}
	ErrNoCreatePermission = protocol.Def{Code: "APP-0005", Category: protocol.CatPermissionDenied, Message: "You are not allowed to create appointments in folder %s (%d)."}
	ErrNoWritePermission  = protocol.Def{Code: "APP-0006", Category: protocol.CatPermissionDenied, Message: "You are not allowed to edit appointment %d."}
	ErrNoDeletePermission = protocol.Def{Code: "APP-0007", Category: protocol.CatPermissionDenied, Message: "You are not allowed to delete appointment %d."}
	ErrEndBeforeStart     = protocol.Def{Code: "APP-0008", Category: protocol.CatUserInput, Message: "End date %d is before start date %d."}
	ErrBadTimeZone        = protocol.Def{Code: "APP-0009", Category: protocol.CatUserInput, Message: "Unknown time zone \"%s\"."}
	ErrInvalidData        = protocol.Def{Code: "APP-0010", Category: protocol.CatUserInput, Message: "Appointment contains invalid data: \"%s\""}
	ErrDeleteState        = protocol.Def{Code: "APP-0011", Category: protocol.CatUserInput, Message: "Occurrence %d of appointment %d cannot be deleted in its current state."}
	ErrBadRecurrence      = protocol.Def{Code: "APP-0012", Category: protocol.CatUserInput, Message: "Invalid recurrence: %s"}
	ErrStartNotOccurrence = protocol.Def{Code: "APP-0013", Category: protocol.CatUserInput, Message: "The start date of the series is not one of its occurrences."}
	ErrPrivateFlag        = protocol.Def{Code: "APP-0014", Category: protocol.CatUserInput, Message: "Cannot create private appointment in public folder %d."}
	ErrUnknownParticipant = protocol.Def{Code: "APP-0015", Category: protocol.CatUserInput, Message: "Unknown participant %v of type %d."}
	ErrNotInFolder        = protocol.Def{Code: "APP-0016", Category: protocol.CatPermissionDenied, Message: "Appointment %d is not stored in folder %d."}
	ErrFolderNotVisible   = protocol.Def{Code: "APP-0017", Category: protocol.CatPermissionDenied, Message: "Folder %d is not visible to user %d."}
	ErrNoParticipant      = protocol.Def{Code: "APP-0018", Category: protocol.CatPermissionDenied, Message: "User %d is not a participant of appointment %d."}
	ErrNoPosition         = protocol.Def{Code: "APP-0098", Category: protocol.CatUserInput, Message: "Unable to calculate the position %d of series %d."}
)

// Module serves `calendar`.
type Module struct {
	DB    *storage.DB
	Blobs storage.Blobs
}

// Register installs the module's actions.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("calendar", "all", m.all)
	mux.Handle("calendar", "list", m.list)
	mux.Handle("calendar", "get", m.get)
	mux.Handle("calendar", "new", m.create)
	mux.Handle("calendar", "update", m.update)
	mux.Handle("calendar", "delete", m.delete)
	mux.Handle("calendar", "updates", m.updates)
	mux.Handle("calendar", "confirm", m.confirm)
	mux.Handle("calendar", "getChangeExceptions", m.changeExceptions)
	mux.Handle("calendar", "has", m.has)
	mux.Handle("calendar", "freebusy", m.freebusy)
	mux.Handle("calendar", "newappointments", m.newAppointments)
	mux.Handle("calendar", "search", m.search)
	mux.Handle("calendar", "resolveuid", m.resolveUID)
}

var apptKind = pim.Kind{
	Folders: "calendar", Tomb: storage.TombCalendar, Module: storage.ModuleAppointment,
	WrongFolder: ErrNotCalendarFolder, NotVisible: ErrFolderNotVisible, NoRead: ErrNoReadPermission,
}

// Content counts and clears the appointments of "calendar" folders.
type Content struct{}

// Count implements folders.Content.
func (Content) Count(ctx context.Context, db *storage.DB, cid int64, ids []int64) (map[int64]int64, error) {
	return db.AppointmentCounts(ctx, cid, ids)
}

// Clear implements folders.Content; it answers how many appointments remain.
func (Content) Clear(tx *storage.Tx, folder int64, p perm.Permission, uid int64) (int64, error) {
	as, err := tx.AppointmentsInFolder(folder)
	if err != nil {
		return 0, err
	}
	return pim.Clear(tx, as, p, uid, func(a *storage.Appointment) int64 { return a.CreatedBy }, removeAppt)
}

// removeAppt deletes an appointment everywhere (pim.Kind.Remove); a
// series master's exceptions are separate rows the caller removes.
func removeAppt(tx *storage.Tx, a *storage.Appointment) ([]string, error) {
	return apptKind.Remove(tx, a.ID, a.FolderID, a.Folders, tx.DeleteAppointment)
}
