package find

import (
	"context"
	"slices"
	"strconv"

	"oxlite/core/folders"
	"oxlite/core/perm"
	"oxlite/core/protocol"
	"oxlite/storage"
)

// Folder facet ids and the folder types of folder_type.
const (
	FacetFolder     = "folder"
	FacetFolderType = "folder_type"
)

var folderTypeNames = []struct{ id, name string }{
	{"private", "Private"}, {"public", "Public"}, {"shared", "Shared"},
}

// FolderTypes are the facet types every PIM provider shares.
func FolderTypes() map[string]Type {
	return map[string]Type{
		FacetFolder:     {Style: Exclusive, Conflicts: []string{FacetFolderType}, ValueOnly: true},
		FacetFolderType: {Style: Exclusive, Conflicts: []string{FacetFolder}, ValueOnly: true},
	}
}

// folderKind classifies f from u's point of view: another user's private
// folder is shared with u.
func folderKind(f *storage.Folder, u *protocol.User) string {
	switch {
	case f.Type == folders.TypePublic:
		return "public"
	case f.Owner == u.ID:
		return "private"
	}
	return "shared"
}

// ReadableFolders lists the folders of module whose objects u may read:
// own private folders first, then public, then shared ones.
func ReadableFolders(ctx context.Context, db *storage.DB, u *protocol.User, module string) ([]*storage.Folder, error) {
	fs, err := db.VisibleFolders(ctx, u.ContextID, u.ID, u.Groups, module)
	if err != nil {
		return nil, protocol.Internal(err)
	}
	out := fs[:0]
	for _, f := range fs {
		p := perm.Effective(f.Permissions, folders.Subject(u))
		if p.Visible() && p.Read >= perm.Own {
			out = append(out, f)
		}
	}
	rank := map[string]int{"private": 0, "public": 1, "shared": 2}
	slices.SortStableFunc(out, func(a, b *storage.Folder) int {
		return rank[folderKind(a, u)] - rank[folderKind(b, u)]
	})
	return out, nil
}

// FolderFacets are the folder (one readable folder) and folder_type
// facets of module.
func FolderFacets(ctx context.Context, db *storage.DB, u *protocol.User, module string) ([]*Facet, error) {
	fs, err := ReadableFolders(ctx, db, u, module)
	if err != nil {
		return nil, err
	}
	folder := &Facet{Style: Exclusive, ID: FacetFolder, Name: "Folder", Flags: []string{"conflicts:" + FacetFolderType}}
	for _, f := range fs {
		id := strconv.FormatInt(f.ID, 10)
		folder.Values = append(folder.Values, &Value{ID: id, Name: f.Title, Filter: NewFilter(FacetFolder, id)})
	}
	kind := &Facet{Style: Exclusive, ID: FacetFolderType, Name: "Folder type", Flags: []string{"conflicts:" + FacetFolder}, Fixed: true}
	for _, t := range folderTypeNames {
		kind.Values = append(kind.Values, &Value{ID: t.id, Name: t.name, Filter: NewFilter(FacetFolderType, t.id)})
	}
	return []*Facet{folder, kind}, nil
}

// activeValue is the value of a value-only facet: `value`, else the first
// query of its filter.
func activeValue(a Active) string {
	if a.Value == "" && a.Filter != nil && len(a.Filter.Queries) > 0 {
		return a.Filter.Queries[0]
	}
	return a.Value
}

// FolderScope turns the active folder facets into the folders to search:
// restricted is false when neither is active (every readable folder). A
// folder must exist, be visible and belong to module; a folder type
// selects the readable folders of that kind (possibly none).
func FolderScope(ctx context.Context, db *storage.DB, u *protocol.User, module string, active []Active) (ids []int64, restricted bool, err error) {
	for _, a := range active {
		switch a.ID {
		case FacetFolder:
			v := activeValue(a)
			id, ok := folders.ParseID(v)
			if !ok {
				return nil, true, ErrInvalidFolder.New(v, module)
			}
			f, _, err := folders.Access(ctx, db, u, id)
			if err != nil {
				return nil, true, err
			}
			if f.Module != module {
				return nil, true, ErrInvalidFolder.New(v, module)
			}
			return []int64{id}, true, nil
		case FacetFolderType:
			v := activeValue(a)
			if !slices.ContainsFunc(folderTypeNames, func(t struct{ id, name string }) bool { return t.id == v }) {
				return nil, true, ErrInvalidFolderType.New(v)
			}
			fs, err := ReadableFolders(ctx, db, u, module)
			if err != nil {
				return nil, true, err
			}
			ids := []int64{}
			for _, f := range fs {
				if folderKind(f, u) == v {
					ids = append(ids, f.ID)
				}
			}
			return ids, true, nil
		}
	}
	return nil, false, nil
}
