package sqlstore

import (
	"context"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// CreateMessageAuth records the origin verdict of an inbound email.
func (t *Tx) CreateMessageAuth(ctx context.Context, ws, message ticketd.ID, a *ticketd.EmailAuth) error {
	_, err := t.exec(ctx, `INSERT INTO message_auth (message_id, workspace_id, spf, dkim, dmarc, from_domain, dkim_domains, policy)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		idArg(message), idArg(ws), a.SPF, a.DKIM, a.DMARC, a.FromDomain, strings.Join(a.DKIMDomains, " "), a.Policy)
	return t.d.normalize(err)
}

// MessageAuth returns a message's origin verdict.
func (t *Tx) MessageAuth(ctx context.Context, ws, message ticketd.ID) (*ticketd.EmailAuth, error) {
	var a ticketd.EmailAuth
	var domains string
	err := t.queryRow(ctx, `SELECT spf, dkim, dmarc, from_domain, dkim_domains, policy FROM message_auth
		WHERE workspace_id = $1 AND message_id = $2`, idArg(ws), idArg(message)).
		Scan(&a.SPF, &a.DKIM, &a.DMARC, &a.FromDomain, &domains, &a.Policy)
	if err != nil {
		return nil, t.notFound(err, "authentication result")
	}
	a.DKIMDomains = strings.Fields(domains)
	if a.DKIMDomains == nil {
		a.DKIMDomains = []string{}
	}
	return &a, nil
}
