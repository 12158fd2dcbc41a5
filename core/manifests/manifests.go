// Package manifests implements module `apps/manifests` (not in the spec;
// the App Suite UI boots from it, see appsuite-ui-calls.md §1 steps 2 and 5):
// the server configuration with languages, capabilities and the app
// manifests. Without per-user manifests no app can launch, so the app list
// is derived from the capability set: an app appears once the module that
// serves it registers its capability.
package manifests

import (
	"slices"
	"strings"

	"oxlite/core/ajax"
	"oxlite/core/capabilities"
	"oxlite/core/protocol"
)

// Manifest is an App Suite manifest: an app (Path, Title) or a plugin
// (Namespace, Path).
type Manifest struct {
	Path      string
	Namespace string
	Title     string
	Company   string
	Icon      string
	Category  string
	// Requires is a capability expression: space-separated ids, each
	// optionally negated with "!", all of which must hold; "" always holds.
	Requires string
	Settings bool
	Index    int
	// Extra members are copied as they are.
	Extra map[string]any
}

// JSON renders the manifest with the members the UI reads.
func (m Manifest) JSON() map[string]any {
	out := map[string]any{"path": m.Path}
	put := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	put("namespace", m.Namespace)
	put("title", m.Title)
	put("company", m.Company)
	put("icon", m.Icon)
	put("category", m.Category)
	put("requires", m.Requires)
	if m.Title != "" {
		out["settings"] = m.Settings
	}
	if m.Index != 0 {
		out["index"] = m.Index
	}
	for k, v := range m.Extra {
		out[k] = v
	}
	return out
}

// Satisfied evaluates Requires against a capability list.
func (m Manifest) Satisfied(caps []string) bool {
	for _, tok := range strings.Fields(m.Requires) {
		neg := strings.HasPrefix(tok, "!")
		if slices.Contains(caps, strings.TrimPrefix(tok, "!")) == neg {
			return false
		}
	}
	return true
}

// builtin are the 7.8 apps (titles, indexes and requirements as in the
// UI's own manifests). Settings needs no module of its own: it edits the
// JSlobs and the password.
var builtin = []Manifest{
	{Path: "io.ox/portal/main", Title: "Portal", Category: "Productivity", Icon: "portal.png", Requires: "portal", Settings: true, Index: 100},
	{Path: "io.ox/mail/main", Title: "Mail", Category: "Basic", Icon: "mail.png", Requires: "webmail", Settings: true, Index: 200},
	{Path: "io.ox/contacts/main", Title: "Address Book", Category: "Basic", Icon: "addressbook.png", Requires: "contacts", Settings: true, Index: 700},
	{Path: "io.ox/calendar/main", Title: "Calendar", Category: "Productivity", Icon: "calendar.png", Requires: "calendar", Settings: true, Index: 800},
	{Path: "io.ox/files/main", Title: "Drive", Category: "Productivity", Icon: "files.png", Requires: "infostore", Settings: true, Index: 900},
	{Path: "io.ox/tasks/main", Title: "Tasks", Category: "Productivity", Icon: "tasks.png", Requires: "tasks", Settings: true, Index: 1000},
	{Path: "io.ox/settings/main", Title: "Settings", Category: "Basic", Icon: "settings.png", Settings: false, Index: 2000},
}

func init() {
	for i := range builtin {
		builtin[i].Company = "Open-Xchange"
	}
}

// Apps lists the built-in app manifests whose requirements hold.
func Apps(caps []string) []Manifest {
	var out []Manifest
	for _, m := range builtin {
		if m.Satisfied(caps) {
			out = append(out, m)
		}
	}
	return out
}

// autoStartOrder is the preference for the app the UI opens after login
// (the UI's default is mail, which oxlite may not offer).
var autoStartOrder = []string{"io.ox/mail/main", "io.ox/portal/main", "io.ox/calendar/main", "io.ox/contacts/main",
	"io.ox/tasks/main", "io.ox/files/main", "io.ox/settings/main"}

// AutoStart returns the app the UI should open first: the most preferred
// one that is delivered.
func AutoStart(caps []string) string {
	apps := Apps(caps)
	for _, p := range autoStartOrder {
		if slices.ContainsFunc(apps, func(m Manifest) bool { return m.Path == p }) {
			return p
		}
	}
	return "io.ox/settings/main"
}

// Language is a UI language offered at login: code and native label.
type Language struct{ Code, Label string }

// DefaultLanguages are the languages the 7.8 UI ships translations for.
var DefaultLanguages = []Language{
	{"ca_ES", "Català"}, {"cs_CZ", "Čeština"}, {"da_DK", "Dansk"}, {"de_DE", "Deutsch"},
	{"en_GB", "English (UK)"}, {"en_US", "English (US)"}, {"es_ES", "Español (España)"}, {"es_MX", "Español (México)"},
	{"fi_FI", "Suomi"}, {"fr_CA", "Français (Canada)"}, {"fr_FR", "Français"}, {"hu_HU", "Magyar"},
	{"it_IT", "Italiano"}, {"ja_JP", "日本語"}, {"lv_LV", "Latviešu"}, {"nl_NL", "Nederlands"},
	{"pl_PL", "Polski"}, {"pt_BR", "Português (Brasil)"}, {"ro_RO", "Română"}, {"ru_RU", "Pусский"},
	{"sk_SK", "Slovenčina"}, {"sv_SE", "Svenska"}, {"tr_TR", "Türkçe"}, {"zh_CN", "中文 (简体)"}, {"zh_TW", "中文 (繁體)"},
}

// Config are the server-wide values of the serverConfig object.
type Config struct {
	ProductName string
	PageTitle   string
	// Version is the API/UI version ("7.8.2"), ServerVersion the
	// middleware's ("7.8.2-Rev…").
	Version       string
	ServerVersion string
	Languages     []Language
	// StaySignedIn is the default of the login form's checkbox.
	StaySignedIn bool
}

// Module serves `apps/manifests`.
type Module struct {
	Caps *capabilities.Set
	Cfg  Config
	// Extra manifests (plugins of a served UI build) are delivered beside
	// the built-in apps when their requirements hold; those in namespace
	// "signin" also before login.
	Extra []Manifest
}

// Register installs the module's actions. Both answer without a session
// (the login page reads the pre-login configuration) and personalise the
// answer when one is present.
func (m *Module) Register(mux *ajax.Mux) {
	mux.Handle("apps/manifests", "config", m.config, ajax.WithAuth(ajax.AuthOptional))
	mux.Handle("apps/manifests", "all", m.all, ajax.WithAuth(ajax.AuthOptional))
}

// Manifests lists what the caller may load: before login only the signin
// plugins, afterwards the apps and plugins its capabilities allow.
func (m *Module) Manifests(u *protocol.User) []any {
	caps := m.Caps.IDs(u)
	var list []Manifest
	if u != nil {
		list = Apps(caps)
	}
	for _, x := range m.Extra {
		if (u != nil || x.Namespace == "signin") && x.Satisfied(caps) {
			list = append(list, x)
		}
	}
	out := make([]any, len(list))
	for i, x := range list {
		out[i] = x.JSON()
	}
	return out
}

func (m *Module) all(req *protocol.Request) (*protocol.Response, error) {
	return protocol.OK(m.Manifests(req.User)), nil
}

func (m *Module) config(req *protocol.Request) (*protocol.Response, error) {
	c := m.Cfg
	langs := c.Languages
	if len(langs) == 0 {
		langs = DefaultLanguages
	}
	pairs := make([]any, len(langs))
	for i, l := range langs {
		pairs[i] = []string{l.Code, l.Label}
	}
	out := map[string]any{
		"languages":        pairs,
		"productName":      c.ProductName,
		"pageTitle":        c.PageTitle,
		"pageHeader":       c.ProductName,
		"pageHeaderPrefix": "",
		"signinTheme":      "default",
		"version":          c.Version,
		"serverVersion":    c.ServerVersion,
		"revision":         strings.TrimPrefix(strings.TrimPrefix(c.ServerVersion, c.Version), "-"),
		"buildDate":        "",
		"copyright":        "",
		"forgotPassword":   false,
		"staySignedIn":     c.StaySignedIn,
		"forceHTTPS":       false,
		"persistence":      true,
		"capabilities":     capabilities.JSON(m.Caps.For(req.User)),
		"manifests":        m.Manifests(req.User),
	}
	if req.User != nil {
		out["context_id"] = req.User.ContextID
		out["user_id"] = req.User.ID
	}
	return protocol.OK(out), nil
}
