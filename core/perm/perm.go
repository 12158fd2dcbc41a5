// Package perm is the OX folder permission model (spec lines 246–266):
// parsing and rendering the bit layout, the effective permission of a user
// on a folder, and the checks every module runs before it reads or writes
// an object in a folder.
package perm

import (
	"fmt"

	"oxlite/storage"
)

// Levels of the four permission fields in the JSON value scale. Folder:
// 0 none, 1 see, 2 create objects, 4 create subfolders, 64 all. Objects
// (read, write, delete): 0 none, 1 own, 2 all, 64 all (admin).
const (
	None            = 0
	See             = 1
	Own             = 1
	CreateObjects   = 2
	All             = 2
	CreateSubfolder = 4
	Max             = 64
)

// AdminBit is bit 28 of the layout, the folder-admin flag.
const AdminBit = 1 << 28

// Bits of an "everything + admin" permission (the spec's example 403710016).
const AllBits = Max | Max<<7 | Max<<14 | Max<<21 | AdminBit

// Permission is the four levels plus the admin flag.
type Permission struct {
	Folder int
	Read   int
	Write  int
	Delete int
	Admin  bool
}

// Full is every right including admin.
var Full = Permission{Folder: Max, Read: Max, Write: Max, Delete: Max, Admin: true}

// Bits renders the permission in the OX bit layout.
func (p Permission) Bits() int {
	b := p.Folder&0x7f | (p.Read&0x7f)<<7 | (p.Write&0x7f)<<14 | (p.Delete&0x7f)<<21
	if p.Admin {
		b |= AdminBit
	}
	return b
}

// validLevel lists the values a 7-bit field may hold; 3 and 5–63 have no
// meaning in the reference server's mapping (0,1,2,4 and 64).
func validLevel(v int) bool {
	return v == 0 || v == 1 || v == 2 || v == 4 || v == Max
}

// Parse reads the OX bit layout. Bits above 28 (the mail rename flag at 30)
// are ignored; a field with a value outside 0,1,2,4,64 is an error.
func Parse(bits int64) (Permission, error) {
	if bits < 0 {
		return Permission{}, fmt.Errorf("negative permission bits %d", bits)
	}
	p := Permission{
		Folder: int(bits & 0x7f),
		Read:   int(bits >> 7 & 0x7f),
		Write:  int(bits >> 14 & 0x7f),
		Delete: int(bits >> 21 & 0x7f),
		Admin:  bits&AdminBit != 0,
	}
	if err := p.Validate(); err != nil {
		return Permission{}, err
	}
	return p, nil
}

// Validate checks every field holds a defined level.
func (p Permission) Validate() error {
	if !validLevel(p.Folder) || !validLevel(p.Read) || !validLevel(p.Write) || !validLevel(p.Delete) {
		return fmt.Errorf("invalid permission values: fp=%d orp=%d owp=%d odp=%d", p.Folder, p.Read, p.Write, p.Delete)
	}
	return nil
}

// Of converts a stored permission entry.
func Of(e storage.Permission) Permission {
	return Permission{Folder: e.Folder, Read: e.Read, Write: e.Write, Delete: e.Delete, Admin: e.Admin}
}

// Entry builds a stored permission entry for entity.
func (p Permission) Entry(entity int64, group bool) storage.Permission {
	return storage.Permission{Entity: entity, Group: group, Folder: p.Folder, Read: p.Read, Write: p.Write, Delete: p.Delete, Admin: p.Admin}
}

// Merge is the per-field maximum, admin OR-ed. The levels are ordered so
// that the numeric maximum is the stronger right.
func (p Permission) Merge(q Permission) Permission {
	return Permission{
		Folder: max(p.Folder, q.Folder),
		Read:   max(p.Read, q.Read),
		Write:  max(p.Write, q.Write),
		Delete: max(p.Delete, q.Delete),
		Admin:  p.Admin || q.Admin,
	}
}

// Subject is who asks: a user and the groups the user belongs to. Group 0
// ("all users") always matches and need not be listed.
type Subject struct {
	User   int64
	Groups []int64
}

// Matches reports whether a permission entry applies to the subject.
func (s Subject) Matches(e storage.Permission) bool {
	if !e.Group {
		return e.Entity == s.User
	}
	if e.Entity == 0 {
		return true
	}
	for _, g := range s.Groups {
		if g == e.Entity {
			return true
		}
	}
	return false
}

// Effective is the subject's permission on a folder with the given
// entries: the per-field maximum over the entries that match the user,
// group 0 or one of the user's groups.
func Effective(entries []storage.Permission, s Subject) Permission {
	var p Permission
	for _, e := range entries {
		if s.Matches(e) {
			p = p.Merge(Of(e))
		}
	}
	return p
}

// Visible reports whether the folder may be seen at all.
func (p Permission) Visible() bool { return p.Folder > None || p.Admin }

// CanReadObject reports whether an object may be read; own says whether
// the caller created it.
func (p Permission) CanReadObject(own bool) bool { return allows(p.Read, own) }

// CanWriteObject reports whether an object may be changed.
func (p Permission) CanWriteObject(own bool) bool { return allows(p.Write, own) }

// CanDeleteObject reports whether an object may be deleted.
func (p Permission) CanDeleteObject(own bool) bool { return allows(p.Delete, own) }

// CanReadAll reports whether every object of the folder may be read.
func (p Permission) CanReadAll() bool { return p.Read >= All }

// CanDeleteAll reports whether every object of the folder may be deleted.
func (p Permission) CanDeleteAll() bool { return p.Delete >= All }

// CanCreateObjects reports whether objects may be created in the folder.
func (p Permission) CanCreateObjects() bool { return p.Folder >= CreateObjects }

// CanCreateSubfolders reports whether subfolders may be created.
func (p Permission) CanCreateSubfolders() bool { return p.Folder >= CreateSubfolder }

func allows(level int, own bool) bool {
	if own {
		return level >= Own
	}
	return level >= All
}
