package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"oxlite/core/app"
	"oxlite/core/provision"
	"oxlite/storage"
)

func contextAdd(args []string) error {
	var c common
	var name string
	fs := flag.NewFlagSet("context add", flag.ContinueOnError)
	c.bind(fs)
	fs.StringVar(&name, "name", "", "context name (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("--name is required")
	}
	ctx := context.Background()
	db, err := openData(ctx, c.data)
	if err != nil {
		return err
	}
	defer db.Close()
	_, login, pw, err := (&provision.Service{DB: db}).AddContext(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "initial user: login=%s password=%s\n", login, pw)
	return nil
}

func userAdd(args []string) error {
	var c common
	var u provision.NewUser
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	c.bind(fs)
	fs.StringVar(&u.Login, "login", "", "login name (required)")
	fs.StringVar(&u.Password, "password", "", "password (required)")
	fs.StringVar(&u.DisplayName, "display-name", "", "display name (default: the login)")
	fs.StringVar(&u.FirstName, "first-name", "", "given name")
	fs.StringVar(&u.LastName, "last-name", "", "surname")
	fs.StringVar(&u.Email, "email", "", "primary e-mail address")
	fs.StringVar(&u.TimeZone, "timezone", "UTC", "time zone")
	fs.StringVar(&u.Locale, "locale", "en_US", "locale")
	if err := parse(fs, args); err != nil {
		return err
	}
	if u.Login == "" || u.Password == "" {
		return fmt.Errorf("--login and --password are required")
	}
	return c.inContext(func(ctx context.Context, db *storage.DB, cid int64) error {
		user, err := (&provision.Service{DB: db}).AddUser(ctx, cid, u)
		if err != nil {
			return err
		}
		fmt.Printf("%d\n", user.ID)
		return nil
	})
}

func userPasswd(args []string) error {
	var c common
	var login, pw string
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	c.bind(fs)
	fs.StringVar(&login, "login", "", "login name (required)")
	fs.StringVar(&pw, "password", "", "new password (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if login == "" || pw == "" {
		return fmt.Errorf("--login and --password are required")
	}
	return c.inContext(func(ctx context.Context, db *storage.DB, cid int64) error {
		return (&provision.Service{DB: db}).SetPassword(ctx, cid, login, pw)
	})
}

func userList(args []string) error {
	var c common
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	c.bind(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	return c.inContext(func(ctx context.Context, db *storage.DB, cid int64) error {
		users, err := db.Users(ctx, cid)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Printf("%s\t%d\t%s\t%s\t%s\n", c.context, u.ID, u.Login, u.DisplayName, u.Email)
		}
		return nil
	})
}

func groupAdd(args []string) error {
	var c common
	var name, display, members string
	fs := flag.NewFlagSet("group add", flag.ContinueOnError)
	c.bind(fs)
	fs.StringVar(&name, "name", "", "group name (required)")
	fs.StringVar(&display, "display-name", "", "display name (default: the name)")
	fs.StringVar(&members, "members", "", "comma-separated member logins")
	if err := parse(fs, args); err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("--name is required")
	}
	return c.inContext(func(ctx context.Context, db *storage.DB, cid int64) error {
		id, err := (&provision.Service{DB: db}).AddGroup(ctx, cid, name, display, splitList(members))
		if err != nil {
			return err
		}
		fmt.Printf("%d\n", id)
		return nil
	})
}

func resourceAdd(args []string) error {
	var c common
	var name, display, email string
	fs := flag.NewFlagSet("resource add", flag.ContinueOnError)
	c.bind(fs)
	fs.StringVar(&name, "name", "", "resource name (required)")
	fs.StringVar(&display, "display-name", "", "display name (default: the name)")
	fs.StringVar(&email, "email", "", "e-mail address")
	if err := parse(fs, args); err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("--name is required")
	}
	return c.inContext(func(ctx context.Context, db *storage.DB, cid int64) error {
		id, err := (&provision.Service{DB: db}).AddResource(ctx, cid, name, display, email)
		if err != nil {
			return err
		}
		fmt.Printf("%d\n", id)
		return nil
	})
}

func tombstonesPrune(args []string) error {
	var c common
	retention := app.Defaults().TombstoneRetention
	fs := flag.NewFlagSet("tombstones prune", flag.ContinueOnError)
	c.bind(fs)
	fs.DurationVar(&retention, "tombstone-retention", retention, "delete tombstones older than this")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := openData(ctx, c.data)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.PruneTombstones(ctx, time.Now().Add(-retention).UnixMilli())
	if err != nil {
		return err
	}
	fmt.Printf("pruned %d tombstones\n", n)
	return nil
}

// inContext opens the data directory and resolves --context for fn.
func (c *common) inContext(fn func(ctx context.Context, db *storage.DB, cid int64) error) error {
	ctx := context.Background()
	db, err := openData(ctx, c.data)
	if err != nil {
		return err
	}
	defer db.Close()
	cid, err := contextID(ctx, db, c.context)
	if err != nil {
		return err
	}
	return fn(ctx, db, cid)
}
