package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi/native"
)

func init() {
	opsCommands["key"] = func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return subcommands("key", map[string]command{"create": keyCreate})(ctx, args, stdout, stderr)
	}
}

// keyCreate is `ticketd key create`: the way back in for an operator whose
// owner key is lost, since only a key's hash is stored.
func keyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("key create", stderr)
	var dsn, wsFlag, email, name, scopes string
	dbFlag(fs, &dsn)
	fs.StringVar(&wsFlag, "workspace", "", "the workspace id, as `ticketd workspace list` prints it (required)")
	fs.StringVar(&email, "user", "", "the email of the agent the key acts as (required)")
	fs.StringVar(&scopes, "scopes", "", "comma- or space-separated scopes (default: every scope)")
	fs.StringVar(&name, "name", "", "a name for the key (default: \"created by ticketd key create\")")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if wsFlag == "" || email == "" {
		return errors.New("--workspace and --user are required (see ticketd key create -h)")
	}
	ws, err := ticketd.ParseID(wsFlag)
	if err != nil {
		return fmt.Errorf("--workspace %q is not a workspace id (a UUID; see ticketd workspace list)", wsFlag)
	}
	var list []ticketd.Scope
	for _, s := range strings.FieldsFunc(scopes, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !ticketd.ValidScope(ticketd.Scope(s)) {
			return fmt.Errorf("--scopes: unknown scope %q", s)
		}
		list = append(list, ticketd.Scope(s))
	}
	db, err := openExistingDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	key, raw, err := ticketd.NewService(db).OperatorAPIKey(ctx, ws, email, name, list)
	if err != nil {
		return fmt.Errorf("%s", ticketd.ErrorMessage(err))
	}
	return printJSON(stdout, native.RenderAPIKey(key, raw))
}

// workspaceList is `ticketd workspace list`.
func workspaceList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("workspace list", stderr)
	var dsn string
	dbFlag(fs, &dsn)
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	db, err := openExistingDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := ticketd.NewService(db).AllWorkspaces(ctx)
	if err != nil {
		return err
	}
	out := make([]any, len(all))
	for i, w := range all {
		out[i] = native.RenderWorkspace(w)
	}
	return printJSON(stdout, out)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
