package calendar

import (
	"context"
	"time"

	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Item is an appointment (a single one or a series as one row, a change
// exception as its own) as the find module sees it.
type Item struct {
	ID, Folder         int64
	Title, Location    string
	Note, Categories   string
	Series             bool
	Start, End         int64
	ParticipantMails   []string
	ParticipantUserIDs []int64
	v                  *appt
}

// Visible lists the appointments the caller may read in folderIDs (nil:
// every readable calendar folder).
func (m *Module) Visible(ctx context.Context, u *protocol.User, folderIDs []int64) ([]*Item, error) {
	accs := map[int64]pim.Access{}
	if folderIDs == nil {
		var err error
		if accs, err = m.readableFolders(ctx, u, 0); err != nil {
			return nil, err
		}
	} else {
		for _, id := range folderIDs {
			acc, err := apptKind.ReadFolder(ctx, m.DB, u, id)
			if err != nil {
				return nil, err
			}
			accs[id] = acc
		}
	}
	ids := make([]int64, 0, len(accs))
	for id := range accs {
		ids = append(ids, id)
	}
	as, err := m.DB.AppointmentsInFolders(ctx, u.ContextID, ids, nil, nil, 0)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	vs, folderOf, err := m.expand(ctx, u, accs, as, nil, nil, true, true)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := make([]*Item, len(vs))
	for i, v := range vs {
		it := &Item{ID: v.ID, Folder: folderOf[i], Title: str(v.fields["title"]), Location: str(v.fields["location"]),
			Note: str(v.fields["note"]), Categories: str(v.fields["categories"]), Series: v.isMaster(), Start: v.start, End: v.end, v: v}
		for _, p := range v.participants {
			if p.Type == 5 {
				it.ParticipantMails = append(it.ParticipantMails, p.Mail)
			}
		}
		for _, uc := range v.users {
			it.ParticipantUserIDs = append(it.ParticipantUserIDs, uc.ID)
		}
		out[i] = it
	}
	return out, nil
}

// Objects renders items with cols as objects keyed by column name.
func (m *Module) Objects(ctx context.Context, u *protocol.User, items []*Item, cols []int, loc *time.Location) ([]map[string]any, error) {
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	stats, err := m.DB.AttachmentStats(ctx, u.ContextID, storage.ModuleAppointment, ids)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	names := map[int]string{}
	for _, c := range columns {
		names[c.id] = c.name
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		w := &view{loc: loc, user: u.ID, folder: it.Folder, stats: map[int64][2]int64{it.ID: {stats[it.ID].Count, stats[it.ID].Newest}}}
		obj := map[string]any{}
		for _, c := range cols {
			if f := byColumn[c]; f != nil {
				if x := f(w, it.v); x != nil {
					obj[names[c]] = x
				}
			}
		}
		out[i] = obj
	}
	return out, nil
}
