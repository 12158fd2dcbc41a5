// Package capabilities implements module `capabilities` (spec lines
// 1321–1367) and holds the capability set the other modules read: the
// config tree's `modules`, the App Suite manifests and the io.ox/core JSlob
// are derived from it, so a module that lands adds its capability in
// app.go and the UI starts offering it.
package capabilities

import (
	"cmp"
	"slices"
	"sync"

	"oxlite/core/ajax"
	"oxlite/core/protocol"
)

// Capability is one entry of the set.
type Capability struct {
	ID         string
	Attributes map[string]any
	// Public capabilities are also announced before login (pre-login
	// serverConfig, capabilities without session): autologin decides
	// whether the login form offers "stay signed in".
	Public bool
}

// Set is the server's capability list. It is filled while the app is
// assembled and read on every request.
type Set struct {
	mu   sync.RWMutex
	caps []Capability
}

// New returns a set holding caps.
func New(caps ...Capability) *Set {
	s := &Set{}
	for _, c := range caps {
		s.AddCap(c)
	}
	return s
}

// Add adds plain (non-public, attribute-less) capabilities.
func (s *Set) Add(ids ...string) {
	for _, id := range ids {
		s.AddCap(Capability{ID: id})
	}
}

// AddCap adds or replaces a capability.
func (s *Set) AddCap(c Capability) {
	if c.ID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.IndexFunc(s.caps, func(x Capability) bool { return x.ID == c.ID }); i >= 0 {
		s.caps[i] = c
		return
	}
	s.caps = append(s.caps, c)
}

// Has reports whether the capability is present.
func (s *Set) Has(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.ContainsFunc(s.caps, func(x Capability) bool { return x.ID == id })
}

// For lists the capabilities of a user (nil: an anonymous caller, who only
// sees the public ones). Today every user has the same set.
func (s *Set) For(u *protocol.User) []Capability {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Capability, 0, len(s.caps))
	for _, c := range s.caps {
		if u != nil || c.Public {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Capability) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// IDs lists the ids of For(u).
func (s *Set) IDs(u *protocol.User) []string {
	caps := s.For(u)
	out := make([]string, len(caps))
	for i, c := range caps {
		out[i] = c.ID
	}
	return out
}

// JSON renders capabilities as the API's CapabilityData objects.
func JSON(caps []Capability) []any {
	out := make([]any, len(caps))
	for i, c := range caps {
		out[i] = c.json()
	}
	return out
}

func (c Capability) json() map[string]any {
	attrs := c.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	return map[string]any{"id": c.ID, "attributes": attrs}
}

// Module serves `capabilities`.
type Module struct {
	Caps *Set
}

// Register installs the module's actions. Both work without a session
// (the UI's session whitelist allows capabilities#*) and then answer only
// the public capabilities.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("capabilities", "all", m.all, ajax.WithAuth(ajax.AuthOptional))
	mux.Handle("capabilities", "get", m.get, ajax.WithAuth(ajax.AuthOptional))
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	return protocol.OK(JSON(m.Caps.For(req.User))), nil
}

// get answers the capability or an empty object when it is not available
// (spec line 1359: an empty result, not an error).
func (m *Module) get(req *protocol.Request) (*protocol.Response, error) {
	id, err := req.Require("id")
	if err != nil {
		return nil, err
	}
	for _, c := range m.Caps.For(req.User) {
		if c.ID == id {
			return protocol.OK(c.json()), nil
		}
	}
	return protocol.OK(map[string]any{}), nil
}
