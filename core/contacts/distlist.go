package contacts

import (
	"context"
	"strconv"

	"oxlite/core/contactfields"
	"oxlite/core/pim"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// member is one entry of a distribution list (DistributionListMember,
// spec line 8890). A member either references a contact (id, folder_id,
// and mail_field 1–3 naming which address to use) or stands alone with
// its own address (mail_field 0).
type member struct {
	ID          int64
	FolderID    int64
	DisplayName string
	Mail        string
	MailField   int64
}

func (mb member) stored() map[string]any {
	out := map[string]any{"display_name": mb.DisplayName, "mail": mb.Mail, "mail_field": mb.MailField}
	if mb.ID != 0 {
		out["id"] = mb.ID
		out["folder_id"] = mb.FolderID
	}
	return out
}

// parseMembers reads the distribution_list value of a request body.
func parseMembers(v any) ([]member, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		if ms, ok2 := v.([]map[string]any); ok2 {
			for _, x := range ms {
				list = append(list, x)
			}
		} else {
			return nil, protocol.ErrInvalidValue.New("distribution_list", "must be an array of members")
		}
	}
	out := make([]member, 0, len(list))
	for i, raw := range list {
		o, ok := raw.(map[string]any)
		if !ok {
			return nil, protocol.ErrInvalidValue.New("distribution_list", "member "+strconv.Itoa(i)+" is not an object")
		}
		var mb member
		bad := func(field string) error {
			return protocol.ErrInvalidValue.New("distribution_list", "member "+strconv.Itoa(i)+" has an invalid \""+field+"\"")
		}
		if x, has := o["id"]; has && x != nil && x != "" {
			// Negative ids are contacts created offline (storage.Options.NegativeIDs).
			id, ok := pim.ParseID(x)
			if !ok {
				return nil, bad("id")
			}
			mb.ID = id // 0 is no reference
		}
		if x, has := o["folder_id"]; has && x != nil && x != "" {
			f, ok := pim.ParseID(x)
			if !ok {
				return nil, bad("folder_id")
			}
			mb.FolderID = f
		}
		for _, k := range []string{"display_name", "mail"} {
			switch x := o[k].(type) {
			case nil:
			case string:
				if k == "mail" {
					mb.Mail = x
				} else {
					mb.DisplayName = x
				}
			default:
				return nil, bad(k)
			}
		}
		if x, has := o["mail_field"]; has && x != nil {
			n, ok := contactfields.ToInt(x)
			if !ok || n < 0 || n > 3 {
				return nil, bad("mail_field")
			}
			mb.MailField = n
		}
		if mb.ID == 0 {
			mb.MailField = 0
		}
		out = append(out, mb)
	}
	return out, nil
}

func mailOf(c *storage.ContactRow, field int64) string {
	switch field {
	case 1:
		return c.Email1
	case 2:
		return c.Email2
	case 3:
		return c.Email3
	}
	return ""
}

// checkMembers validates members against the stored contacts: a
// referenced contact must exist and be readable by the caller, and every
// member needs a valid address. It returns the members as stored.
func checkMembers(tx *storage.Tx, u *protocol.User, ms []member) ([]any, error) {
	out := make([]any, 0, len(ms))
	acc := map[int64]pim.Access{}
	for _, mb := range ms {
		if mb.ID != 0 {
			c, err := tx.Contact(mb.ID)
			if err == storage.ErrNotFound {
				return nil, ErrNotFound.New(mb.ID, u.ContextID)
			}
			if err != nil {
				return nil, protocol.Internal(err)
			}
			a, ok := acc[c.FolderID]
			if !ok {
				a, err = folderAccessTx(tx, u, c.FolderID)
				if err != nil {
					return nil, ErrNotFound.New(mb.ID, u.ContextID)
				}
				acc[c.FolderID] = a
			}
			if !a.CanRead(c.CreatedBy, c.PrivateFlag) {
				return nil, ErrNotFound.New(mb.ID, u.ContextID)
			}
			mb.FolderID = c.FolderID
			if mb.MailField > 0 {
				if s := mailOf(c, mb.MailField); s != "" {
					mb.Mail = s
				}
			}
			if mb.DisplayName == "" {
				mb.DisplayName = c.DisplayName
			}
		}
		if mb.Mail == "" {
			return nil, ErrMemberEmailMandatory.New()
		}
		if !contactfields.ValidEmail(mb.Mail) {
			return nil, contactfields.ErrInvalidEmail.New(mb.Mail)
		}
		if mb.DisplayName == "" {
			mb.DisplayName = mb.Mail
		}
		out = append(out, mb.stored())
	}
	return out, nil
}

// resolveMembers fills the members of the distribution lists among vs,
// taking names and addresses of referenced contacts as they are now. A
// member whose contact is gone keeps the copy stored with the list and
// becomes independent.
func (m *Module) resolveMembers(ctx context.Context, cid int64, vs []*view) error {
	var ids []int64
	for _, v := range vs {
		if !contactfields.IsDistList(v.c) {
			continue
		}
		list, _ := v.c.Fields["distribution_list"].([]any)
		for _, raw := range list {
			if o, ok := raw.(map[string]any); ok {
				if id, ok := pim.ParseID(o["id"]); ok && id != 0 {
					ids = append(ids, id)
				}
			}
		}
	}
	var refs map[int64]*storage.ContactRow
	if len(ids) > 0 {
		var err error
		if refs, err = m.DB.ContactsByIDs(ctx, cid, ids); err != nil {
			return protocol.Internal(err)
		}
	}
	for _, v := range vs {
		if !contactfields.IsDistList(v.c) {
			continue
		}
		list, _ := v.c.Fields["distribution_list"].([]any)
		out := make([]any, 0, len(list))
		for _, raw := range list {
			o, ok := raw.(map[string]any)
			if !ok {
				continue
			}
			mb := member{}
			mb.DisplayName, _ = o["display_name"].(string)
			mb.Mail, _ = o["mail"].(string)
			mb.MailField, _ = contactfields.ToInt(o["mail_field"])
			if id, ok := pim.ParseID(o["id"]); ok && id != 0 {
				if c := refs[id]; c != nil {
					mb.ID, mb.FolderID = c.ID, c.FolderID
					if c.DisplayName != "" {
						mb.DisplayName = c.DisplayName
					}
					if s := mailOf(c, mb.MailField); s != "" {
						mb.Mail = s
					}
				} else {
					mb.MailField = 0
				}
			}
			out = append(out, mb.stored())
		}
		v.members = out
	}
	return nil
}
