// Package app wires the modules into one /ajax facade over a store. The
// native server and the service worker both build it.
package app

import (
	"log/slog"
	"net/http"
	"time"

	"oxlite/core/account"
	"oxlite/core/ajax"
	"oxlite/core/attachment"
	"oxlite/core/calendar"
	"oxlite/core/capabilities"
	"oxlite/core/config"
	"oxlite/core/contacts"
	"oxlite/core/folders"
	"oxlite/core/group"
	"oxlite/core/halo"
	oximage "oxlite/core/image"
	"oxlite/core/jslob"
	"oxlite/core/login"
	"oxlite/core/manifests"
	"oxlite/core/passwordchange"
	"oxlite/core/quota"
	"oxlite/core/reminder"
	"oxlite/core/resource"
	"oxlite/core/session"
	"oxlite/core/tasks"
	"oxlite/core/user"
	"oxlite/core/userme"
	"oxlite/storage"
)

// Version is the API version oxlite reports.
const Version = "7.8.2"

// ServerVersion is the middleware version in the config tree and serverConfig.
const ServerVersion = Version + "-Rev1"

// Config are the server settings (flags of `server serve`).
type Config struct {
	SessionLifetime       time.Duration
	StoredSessionLifetime time.Duration
	AutoLogin             bool
	RandomToken           bool
	IPCheck               bool
	CookieSalt            string
	MaxBody               int64
	TombstoneRetention    time.Duration
	TokenSecrets          []string
	LoginMaxFailures      int
	LoginFailureWindow    time.Duration
	// TrustLocal is set by the service worker host (DESIGN.md §4).
	TrustLocal bool
	// SecureCookies marks cookies Secure.
	SecureCookies bool
	// Blobs stores file contents (attachments, pictures); nil keeps them
	// in the database.
	Blobs storage.Blobs
}

// Defaults returns the documented defaults.
func Defaults() Config {
	return Config{
		SessionLifetime:       time.Hour,
		StoredSessionLifetime: 7 * 24 * time.Hour,
		AutoLogin:             true,
		RandomToken:           false,
		IPCheck:               true,
		MaxBody:               10 << 20,
		TombstoneRetention:    90 * 24 * time.Hour,
		LoginMaxFailures:      50,
		LoginFailureWindow:    5 * time.Minute,
	}
}

// App is the assembled API.
type App struct {
	DB       *storage.DB
	Cfg      Config
	Mux      *ajax.Mux
	Sessions *session.Manager
	// Caps is the capability set; config, manifests and the io.ox/core
	// JSlob derive from it, so a module that lands adds its capability
	// here (e.g. a.Caps.Add("contacts", "gab")) and the UI offers its app.
	Caps *capabilities.Set
	// JSlob lets modules install JSlob defaults (SetDefaults).
	JSlob *jslob.Module
	// Blobs holds file contents.
	Blobs storage.Blobs
	// Contacts is the contacts module (import/export creates and reads
	// contacts through it).
	Contacts *contacts.Module
	// Tasks is the tasks module (import/export and find use it).
	Tasks *tasks.Module
	// Calendar is the calendar module (import/export and find use it).
	Calendar *calendar.Module
	// contents are the folder content hooks per module.
	contents map[string]folders.Content
	// serverParts are the modules only the native server carries.
	serverParts
}

// New assembles the API over db.
func New(db *storage.DB, cfg Config, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	sessions := session.New(db, session.Config{
		Lifetime: cfg.SessionLifetime, StoredLifetime: cfg.StoredSessionLifetime, IPCheck: cfg.IPCheck,
		Salt: cfg.CookieSalt, TrustLocal: cfg.TrustLocal, Secure: cfg.SecureCookies,
	})
	mux := ajax.New(sessions, log)
	if cfg.MaxBody > 0 {
		mux.MaxBody = cfg.MaxBody
	}
	if cfg.Blobs == nil {
		cfg.Blobs = storage.SQLBlobs{DB: db}
	}
	a := &App{DB: db, Cfg: cfg, Mux: mux, Sessions: sessions, Blobs: cfg.Blobs}
	mux.RegisterMultiple()
	(&login.Module{DB: db, Sessions: sessions, Cfg: login.Config{
		AutoLogin: cfg.AutoLogin, RandomToken: cfg.RandomToken, TokenSecrets: cfg.TokenSecrets,
		MaxFailures: cfg.LoginMaxFailures, FailureWindow: cfg.LoginFailureWindow,
	}}).Register(mux)
	registerSettings(a)
	a.Contacts = &contacts.Module{DB: db, Blobs: a.Blobs, Log: log}
	(&user.Module{DB: db, Contacts: a.Contacts}).Register(mux)
	(&group.Module{DB: db}).Register(mux)
	(&resource.Module{DB: db}).Register(mux)
	// Per-module folder content (folder total, clear, delete; sync refresh_server).
	contents := map[string]folders.Content{"contacts": folders.ContactsContent{}, "tasks": tasks.Content{}}
	(&folders.Module{DB: db, Contents: contents}).Register(mux)
	a.Tasks = &tasks.Module{DB: db, Blobs: a.Blobs}
	a.Tasks.Register(mux)
	(&reminder.Module{DB: db}).Register(mux)
	a.contents = contents
	a.Caps.Add("tasks")
	// The calendar is synced like contacts and tasks, so the worker
	// answers it locally; freebusy (other users' data) stays server-only.
	a.Calendar = &calendar.Module{DB: db, Blobs: a.Blobs}
	a.Calendar.Register(mux)
	contents["calendar"] = calendar.Content{}
	a.Caps.Add("calendar")
	(&attachment.Module{DB: db, Blobs: a.Blobs}).Register(mux)
	a.Contacts.Register(mux)
	(&oximage.Module{Contacts: a.Contacts}).Register(mux)
	(&halo.Module{Contacts: a.Contacts}).Register(mux)
	a.Caps.Add("contacts", "gab")
	registerServerOnly(a)
	return a
}

// registerSettings installs the modules the UI boots from: capabilities,
// apps/manifests, config, jslob, quota, account (empty until mail lands),
// user/me and passwordchange.
func registerSettings(a *App) {
	db, mux := a.DB, a.Mux
	a.Caps = capabilities.New(capabilities.Capability{ID: "edit_password"})
	if a.Cfg.AutoLogin {
		a.Caps.AddCap(capabilities.Capability{ID: "autologin", Public: true})
	}
	(&capabilities.Module{Caps: a.Caps}).Register(mux)
	(&manifests.Module{Caps: a.Caps, Cfg: manifests.Config{ProductName: "OX App Suite", PageTitle: "OX App Suite",
		Version: Version, ServerVersion: ServerVersion, StaySignedIn: true}}).Register(mux)
	(&config.Module{DB: db, Caps: a.Caps, Cfg: config.Config{ServerVersion: ServerVersion,
		CookieLifetime: a.Cfg.StoredSessionLifetime, MaxUploadIdleTimeout: 5 * time.Minute}}).Register(mux)
	a.JSlob = jslob.New(db, a.Caps)
	a.JSlob.Register(mux)
	(&quota.Module{}).Register(mux)
	(&account.Module{}).Register(mux)
	(&userme.Module{DB: db}).Register(mux)
	(&passwordchange.Module{DB: db}).Register(mux)
}

// Handler is the /ajax facade.
func (a *App) Handler() http.Handler { return a.Mux }
