// Command ticketd is a self-hosted helpdesk backend. See README.md and
// CONTRACT.md for its commands, flags and routes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=..."; when it
// is not, `ticketd version` prints what the build info records.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWithStdin(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		// -h and --help asked for the usage, which was printed: success.
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "ticketd:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: ticketd <command> [flags]

commands:
  serve              run the HTTP server (and the mail workers)
  workspace create   create a workspace, its owner and an owner API key
  workspace list     list the workspaces of a database
  user set-password  set an agent's console password, read from standard input
  key create         make a new API key for an agent of a workspace
  backup             copy a live database and its attachments into one file
  restore            restore a backup into a new database
  secret-key rotate  re-encrypt stored secrets under a new key
  migrate            apply pending database migrations and exit
  version            print the version

Run "ticketd <command> -h" for a command's flags. Every flag can also be set
with an environment variable TICKETD_<NAME> (upper case, - as _).`

// run dispatches a command line; it is main without the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runWithStdin(ctx, args, strings.NewReader(""), stdout, stderr)
}

// runWithStdin is run with a standard input, for the commands that read one.
func runWithStdin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		m := NewMain(stdout, stderr)
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		<-ctx.Done()
		return m.Close()
	case "workspace":
		return workspaceCommand(ctx, args[1:], stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "set-password" {
			return fmt.Errorf("usage: ticketd user set-password --db DB --email EMAIL (the password on standard input)")
		}
		return userSetPassword(ctx, args[2:], stdin, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	if h, ok := opsCommands[args[0]]; ok {
		return h(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
