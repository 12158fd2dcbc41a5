// Package app wires the modules into one /ajax facade over a store. The
// native server and the service worker both build it.
package app

import (
	"log/slog"
	"net/http"
	"time"

	"oxlite/core/ajax"
	"oxlite/core/login"
	"oxlite/core/session"
	"oxlite/storage"
)

// Version is the API version oxlite reports.
const Version = "7.8.2"

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
	a := &App{DB: db, Cfg: cfg, Mux: mux, Sessions: sessions}
	mux.RegisterMultiple()
	(&login.Module{DB: db, Sessions: sessions, Cfg: login.Config{
		AutoLogin: cfg.AutoLogin, RandomToken: cfg.RandomToken, TokenSecrets: cfg.TokenSecrets,
		MaxFailures: cfg.LoginMaxFailures, FailureWindow: cfg.LoginFailureWindow,
	}}).Register(mux)
	return a
}

// Handler is the /ajax facade.
func (a *App) Handler() http.Handler { return a.Mux }
