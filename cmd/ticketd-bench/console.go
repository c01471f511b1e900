package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	ticketd "github.com/ticketd/ticketd"
)

// The agent console's pages, measured signed in like an agent's browser:
// the session cookie of a real sign-in, HTML rendered by the real handler.

const benchPassword = "bench console password"

// consoleSession gives the agent with this email a password and signs it
// in to the running ticketd, returning the Cookie header of its session.
func (e *env) consoleSession(ctx context.Context, email string) (string, error) {
	if _, err := e.svc.SetPasswordByEmail(ctx, email, benchPassword); err != nil {
		return "", err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(e.ticketd.addr+"/login", url.Values{"email": {email}, "password": {benchPassword}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "ticketd_session" && c.Value != "" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("console sign-in as %s: %s, no session", email, resp.Status)
}

// consoleRoutes are the route table's console pages: the All open view
// (beside the ceiling of a list of 50 tickets by index) and the ticket page
// of the 50-message ticket (beside the ceiling of 50 messages by index).
func (e *env) consoleRoutes(listCeil, messagesCeil target) []routeSpec {
	cookie, err := e.consoleSession(nilCtx(), e.seed.agents[0].Email)
	if err != nil {
		fmt.Println("console routes skipped:", err)
		return nil
	}
	h := http.Header{"Cookie": {cookie}}
	return []routeSpec{
		{"console-view", "GET / (console, All open, signed in)", "select 50 tickets by index + encode",
			target{method: "GET", url: e.ticketd.addr + "/?view=open", header: h, want: 200}, listCeil},
		{"console-ticket", "GET /console/tickets/{n} (50 messages, signed in)", "select 50 by index + encode",
			target{method: "GET", url: e.ticketd.addr + "/console/tickets/" + strconv.FormatInt(e.seed.readTicket.Number, 10),
				header: h, want: 200}, messagesCeil},
	}
}

// scaleConsole measures the console's pages in the scale workspace with
// get (which drives one URL with the given headers and records a row).
func (e *env) scaleConsole(ctx context.Context, s *scaleSeed, get func(name, url string, h http.Header)) error {
	cookie, err := e.consoleSession(ctx, "owner@scale.test")
	if err != nil {
		return err
	}
	h := http.Header{"Cookie": {cookie}}
	base := e.ticketd.addr
	of := fmt.Sprintf("(of %d tickets)", s.tickets)
	// A page deep in the list: its keyset cursor, a ticket number half way.
	mid := s.small.Number + int64(s.tickets)/2
	ticket := func(t *ticketd.Ticket) string { return base + "/console/tickets/" + strconv.FormatInt(t.Number, 10) }
	get("console view All open, first page "+of, base+"/?view=open", h)
	get("console view All open, a page deep in the list "+of, base+"/?view=open&after="+strconv.FormatInt(mid, 10), h)
	get("console view Mine, oldest first "+of, base+"/?view=mine&order=oldest", h)
	get("console view Pending "+of, base+"/?view=pending", h)
	get("console ticket page, 50-message ticket", ticket(s.small), h)
	get("console view All open, first page "+of+", one client", base+"/?view=open", h)
	get("console ticket page, 50-message ticket, one client", ticket(s.small), h)
	return nil
}
