package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
)

// errUsage is a command line that names no command: the usage was printed,
// and the exit status is 2.
var errUsage = errors.New("usage")

// command is one subcommand of ticketd after its name.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// opsCommands are the operator's commands (keys, backups, secrets), kept out
// of main.go's switch so that commands added elsewhere merge cleanly.
var opsCommands = map[string]command{}

// subcommands dispatches "ticketd NAME SUB ...", answering -h with the list.
func subcommands(name string, subs map[string]command) command {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		if len(args) > 0 {
			if h, ok := subs[args[0]]; ok {
				return h(ctx, args[1:], stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "usage: ticketd %s <", name)
		first := true
		for _, k := range slices.Sorted(maps.Keys(subs)) {
			if !first {
				fmt.Fprint(stderr, "|")
			}
			fmt.Fprint(stderr, k)
			first = false
		}
		fmt.Fprintln(stderr, "> [flags]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return flag.ErrHelp
		}
		if len(args) == 0 {
			return errUsage
		}
		return fmt.Errorf("unknown command %q", name+" "+args[0])
	}
}

// workspaceCommand is `ticketd workspace create|list`.
func workspaceCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommands("workspace", map[string]command{
		"create": workspaceCreate,
		"list":   workspaceList,
	})(ctx, args, stdout, stderr)
}
