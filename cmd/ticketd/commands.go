package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/native"
)

// workspaceCreate is `ticketd workspace create`. It migrates first, so that it
// works on a fresh database, and it is safe while a server runs on the same
// database: both take SQLite's write lock in turn.
func workspaceCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("workspace create", stderr)
	var dsn, name, ownerEmail, ownerName string
	dbFlag(fs, &dsn)
	fs.StringVar(&name, "name", "", "workspace name (required)")
	fs.StringVar(&ownerEmail, "owner-email", "", "the owner's email (required)")
	fs.StringVar(&ownerName, "owner-name", "", "the owner's name (default: the email's local part)")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	in := ticketd.NewWorkspace{Name: name, OwnerEmail: ownerEmail, OwnerName: ownerName}
	// Refuse bad input before the database is opened: a failed command
	// must not leave a new, migrated ticketd.db behind.
	if err := in.Validate(); err != nil {
		return fmt.Errorf("%s (see ticketd workspace create -h)", ticketd.ErrorMessage(err))
	}
	db, err := openDB(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	ws, owner, key, err := ticketd.NewService(db).CreateWorkspace(ctx, in)
	if err != nil {
		return fmt.Errorf("%s", ticketd.ErrorMessage(err))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"workspace": native.RenderWorkspace(ws),
		"user":      native.RenderUser(owner),
		"api_key":   key,
	})
}

// migrate is `ticketd migrate`.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	var dsn string
	dbFlag(fs, &dsn)
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	return nil
}

// redactDSN hides a password in a PostgreSQL URL before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
