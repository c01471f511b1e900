package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// detailsColumn maps each text field of a customer's details (migration
// 0060) to its column.
var detailsColumn = map[ticketd.ProfileField]string{
	ticketd.FieldCompany: "company", ticketd.FieldDepartment: "department", ticketd.FieldTitle: "title",
	ticketd.FieldTier: "customer_tier", ticketd.FieldPronoun: "pronoun", ticketd.FieldCountry: "location_country",
	ticketd.FieldCity: "location_city", ticketd.FieldState: "location_state", ticketd.FieldZip: "location_zip",
	ticketd.FieldAddress: "location_address", ticketd.FieldRegion: "region", ticketd.FieldTimezone: "timezone",
	ticketd.FieldAccountValue: "account_value", ticketd.FieldLinkedIn: "social_linkedin",
	ticketd.FieldWebsite: "social_website", ticketd.FieldGitHub: "social_github", ticketd.FieldNotes: "notes",
}

// detailsColumns lists the details columns in ticketd.ProfileFields order,
// then the two flags.
var detailsColumns = func() string {
	cols := make([]string, 0, len(ticketd.ProfileFields)+2)
	for _, f := range ticketd.ProfileFields {
		cols = append(cols, detailsColumn[f])
	}
	return strings.Join(append(cols, "has_premium_support", "is_vip"), ", ")
}()

func detailsDest(p *ticketd.CustomerDetails) []any {
	out := make([]any, 0, len(ticketd.ProfileFields)+2)
	for _, f := range ticketd.ProfileFields {
		out = append(out, p.Text(f))
	}
	return append(out, &p.PremiumSupport, &p.VIP)
}

func detailsArgs(p *ticketd.CustomerDetails) []any {
	out := make([]any, 0, len(ticketd.ProfileFields)+2)
	for _, f := range ticketd.ProfileFields {
		out = append(out, *p.Text(f))
	}
	return append(out, p.PremiumSupport, p.VIP)
}

// placeholders returns "$1, $2, ... $n".
func placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(ps, ", ")
}

// patchRow runs UPDATE table SET <sets> WHERE workspace_id AND id, live rows only.
func (t *Tx) patchRow(ctx context.Context, kind, table string, ws, id ticketd.ID, cols []string, vals []any) error {
	if len(cols) == 0 {
		return nil
	}
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = fmt.Sprintf("%s = $%d", c, i+1)
	}
	args := append(vals, idArg(ws), idArg(id))
	return t.execOne(ctx, kind, fmt.Sprintf(`UPDATE %s SET %s WHERE workspace_id = $%d AND id = $%d AND deleted_at IS NULL`,
		table, strings.Join(sets, ", "), len(args)-1, len(args)), args...)
}

// PatchUserProfile writes only the set profile fields of a user.
func (t *Tx) PatchUserProfile(ctx context.Context, ws, id ticketd.ID, p ticketd.UserProfilePatch) error {
	var cols []string
	var vals []any
	if p.IsActive != nil {
		cols, vals = append(cols, "is_active"), append(vals, *p.IsActive)
	}
	if p.EmployeeType != nil {
		cols, vals = append(cols, "employee_type"), append(vals, string(*p.EmployeeType))
	}
	for _, f := range []struct {
		col string
		v   *string
	}{{"avatar_url", p.AvatarURL}, {"region", p.Region}, {"timezone", p.Timezone}} {
		if f.v != nil {
			cols, vals = append(cols, f.col), append(vals, *f.v)
		}
	}
	return t.patchRow(ctx, "user", "users", ws, id, cols, vals)
}

// DeleteUser marks a user deleted and inactive, and removes what would let
// it act or be chosen: its keys, its assignments and its memberships.
func (t *Tx) DeleteUser(ctx context.Context, ws, id ticketd.ID, now time.Time) error {
	if err := t.execOne(ctx, "user", `UPDATE users SET deleted_at = $1, is_active = FALSE, updated_at = $1
		WHERE workspace_id = $2 AND id = $3 AND deleted_at IS NULL`, now, idArg(ws), idArg(id)); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM api_keys WHERE workspace_id = $1 AND user_id = $2`,
		`UPDATE tickets SET assignee_id = NULL WHERE workspace_id = $1 AND assignee_id = $2`,
		`DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE workspace_id = $1)`,
	} {
		if _, err := t.exec(ctx, q, idArg(ws), idArg(id)); err != nil {
			return err
		}
	}
	return nil
}

// DeleteCustomer marks a customer deleted and frees its ids in other
// systems, as its email address is freed.
func (t *Tx) DeleteCustomer(ctx context.Context, ws, id ticketd.ID, now time.Time) error {
	if err := t.execOne(ctx, "customer", `UPDATE customers SET deleted_at = $1, updated_at = $1
		WHERE workspace_id = $2 AND id = $3 AND deleted_at IS NULL`, now, idArg(ws), idArg(id)); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM customer_identities WHERE workspace_id = $1 AND customer_id = $2`, idArg(ws), idArg(id))
	return err
}
