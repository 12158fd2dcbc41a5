package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"oxlite/core/app"
	"oxlite/core/provision"
	"oxlite/storage"
)

var errUsage = errors.New("usage")

// errHelp means -h was asked for: the usage is printed and the exit code is 0.
var errHelp = errors.New("help")

// env returns OXLITE_<NAME> for a flag name ("session-lifetime" →
// OXLITE_SESSION_LIFETIME).
func envName(flagName string) string {
	return "OXLITE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets flags that were not given on the command line from the
// environment.
func applyEnv(fs *flag.FlagSet) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %v", envName(f.Name), e)
			}
		}
	})
	return err
}

// parse parses flags, then the environment; it prints usage on -h.
func parse(fs *flag.FlagSet, args []string) error {
	// Errors are one line on stderr; -h prints the flags on stdout.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Fprintf(os.Stdout, "usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return errHelp
		}
		return fmt.Errorf("%v (see -h)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return applyEnv(fs)
}

// common are the flags every admin subcommand takes.
type common struct {
	data    string
	context string
}

func (c *common) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", "./data", "data directory")
	fs.StringVar(&c.context, "context", provision.DefaultContext, "context name")
}

const dbFile = "oxlite.db"

// openData opens (and initialises) the store of a data directory. It
// creates the default context on an empty store and prints its admin's
// password once.
func openData(ctx context.Context, dir string) (*storage.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := storage.Open(ctx, storage.Options{DSN: storage.FileDSN(filepath.Join(dir, dbFile))})
	if err != nil {
		return nil, err
	}
	svc := provision.Service{DB: db}
	created, pw, err := svc.EnsureDefault(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if created {
		fmt.Fprintf(os.Stderr, "initial user: login=admin password=%s\n", pw)
	}
	return db, nil
}

// contextID resolves a context name.
func contextID(ctx context.Context, db *storage.DB, name string) (int64, error) {
	c, err := db.ContextByName(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return 0, fmt.Errorf("no context %q", name)
	}
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// cookieSalt returns the salt in force: the flag, or a random one kept in
// the store so cookies survive restarts.
func cookieSalt(ctx context.Context, db *storage.DB, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return db.SetSettingIfAbsent(ctx, "cookie_salt", hex.EncodeToString(b[:]))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// serveFlags binds every serve setting to a flag with an OXLITE_ twin.
func serveFlags(fs *flag.FlagSet, cfg *app.Config, listen, data *string, tokenSecrets *string) {
	fs.StringVar(listen, "listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	fs.StringVar(data, "data", "./data", "data directory (SQLite database and blobs)")
	fs.DurationVar(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "how long an unused session lives")
	fs.DurationVar(&cfg.StoredSessionLifetime, "stored-session-lifetime", cfg.StoredSessionLifetime, "how long a session kept by 'store' (stay signed in) lives unused; also the persistent cookies' max age")
	fs.BoolVar(&cfg.AutoLogin, "autologin", cfg.AutoLogin, "allow login?action=autologin from cookies")
	fs.BoolVar(&cfg.RandomToken, "random-token", cfg.RandomToken, "send the random token at login and allow login?action=redirect")
	fs.BoolVar(&cfg.IPCheck, "ip-check", cfg.IPCheck, "refuse a session from another IP address than its login's")
	fs.StringVar(&cfg.CookieSalt, "cookie-salt", "", "salt of the cookie-name hash (default: random, kept in the data directory)")
	fs.Int64Var(&cfg.MaxBody, "max-body", cfg.MaxBody, "request body limit in bytes")
	fs.DurationVar(&cfg.TombstoneRetention, "tombstone-retention", cfg.TombstoneRetention, "how long deletions stay reportable by updates")
	fs.StringVar(tokenSecrets, "token-secrets", "", "comma-separated pre-shared secrets for login?action=redeemToken (default none)")
	fs.IntVar(&cfg.LoginMaxFailures, "login-max-failures", cfg.LoginMaxFailures, "failed logins per address and User-Agent before logins are refused")
	fs.DurationVar(&cfg.LoginFailureWindow, "login-failure-window", cfg.LoginFailureWindow, "window of the failed-login limit")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var _ = strconv.Itoa
var _ = time.Second
