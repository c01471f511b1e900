package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// userSetPassword is `ticketd user set-password --db DB --email EMAIL`: it
// reads the new password from standard input (its first line, so that
// `echo pw | ticketd ...` and a typed line both work, and the password never
// shows in the process list) and sets it for every agent with that email.
// Their sessions end. This is how the first admin gets a password, and the
// operator's recovery when nobody can sign in.
func userSetPassword(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("user set-password", stderr)
	var dsn, email string
	dbFlag(fs, &dsn)
	fs.StringVar(&email, "email", "", "the agent's email (required)")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if email == "" {
		return fmt.Errorf("--email is required")
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	db, err := openDB(ctx, dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	n, err := ticketd.NewService(db).SetPasswordByEmail(ctx, email, password)
	if err != nil {
		return fmt.Errorf("%s", ticketd.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "password set for %d agent(s) with email %s\n", n, strings.ToLower(strings.TrimSpace(email)))
	return nil
}
