package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail"
	"github.com/ticketd/ticketd/sqlstore"
)

// The ceiling servers: the least a Go server must do to answer each route,
// on the same database, engine and settings as ticketd (the store's own
// pools: SQLite's single IMMEDIATE writer, WAL, synchronous=NORMAL), with
// prepared statements and no framework. What ticketd does beyond this
// (authentication, rules, every column, the response in each dialect) is
// what the ratio measures.

const ceilingInsert = `INSERT INTO messages (id, workspace_id, ticket_id, author_kind, author_user_id, internal, body,
	time, channel, subject, from_address, from_name, to_addresses, cc_addresses, external_id, in_reply_to, refs, tags,
	delivery, delivery_attempts, delivery_error, created_at, updated_at)
	VALUES ($1, $2, $3, 'agent', $4, FALSE, $5, $6, 'chat', '', '', '', '[]', '[]', '', '', '[]', '[]', '', 0, '', $6, $6)
	RETURNING number`

const ceilingTouch = `UPDATE tickets SET last_message = $1, last_message_at = $2, updated_at = $2,
	message_count = message_count + 1, public_count = public_count + 1 WHERE id = $3`

const ceilingSelect = `SELECT number, id, ticket_id, author_kind, author_user_id, internal, body, created_at, updated_at
	FROM messages WHERE ticket_id = $1 ORDER BY number LIMIT 50`

const ceilingTickets = `SELECT number, id, customer_id, subject, status, assignee_id, last_message, last_message_at,
	created_at, updated_at FROM tickets WHERE workspace_id = $1 AND status = $2 AND assignee_id = $3
	ORDER BY number DESC LIMIT 50`

type ceilingComment struct {
	ID        string    `json:"id"`
	TicketID  string    `json:"ticket_id"`
	Author    string    `json:"author_type"`
	UserID    *string   `json:"author_user_id"`
	Internal  bool      `json:"is_internal"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type ceilingTicket struct {
	ID            string    `json:"id"`
	Number        int64     `json:"number"`
	CustomerID    string    `json:"customer_id"`
	Subject       string    `json:"subject"`
	Status        string    `json:"status"`
	AssigneeID    *string   `json:"assignee_id"`
	LastMessage   string    `json:"last_message"`
	LastMessageAt time.Time `json:"last_message_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ceilingProcess runs the ceilings in a process of their own (this binary,
// re-executed with --serve-ceilings), so that they, like ticketd, do not
// share a scheduler and a garbage collector with the load generator.
type ceilingProcess struct {
	cmd  *exec.Cmd
	addr string
}

func startCeilingProcess(dsn string, ws, user ticketd.ID) (*ceilingProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "--serve-ceilings", addr, "--db", dsn, "--ceiling-workspace", ws.String(), "--ceiling-user", user.String())
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &ceilingProcess{cmd: cmd, addr: "http://" + addr}
	for i := 0; ; i++ {
		if resp, err := http.Get(p.addr + "/static"); err == nil {
			resp.Body.Close()
			return p, nil
		}
		if i == 100 {
			p.close()
			return nil, fmt.Errorf("the ceiling server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *ceilingProcess) close() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

// serveCeilings is the ceiling process: the store opened with ticketd's
// defaults, the ceilings on addr, until SIGTERM.
func serveCeilings(ctx context.Context, addr, dsn string, ws, user ticketd.ID) error {
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := startCeilings(ctx, db, ws, user, addr)
	if err != nil {
		return err
	}
	defer c.close()
	<-ctx.Done()
	return nil
}

// ceilings serves the ceiling routes on one loopback listener.
type ceilings struct {
	db                           *sqlstore.DB
	insert, touch, sel, tickets_ *sql.Stmt
	ws, user                     string
	srv                          *http.Server
	addr                         string
}

func startCeilings(ctx context.Context, db *sqlstore.DB, ws, user ticketd.ID, addr string) (*ceilings, error) {
	c := &ceilings{db: db, ws: ws.String(), user: user.String()}
	var err error
	for _, p := range []struct {
		dst   **sql.Stmt
		write bool
		q     string
	}{{&c.insert, true, ceilingInsert}, {&c.touch, true, ceilingTouch}, {&c.sel, false, ceilingSelect}, {&c.tickets_, false, ceilingTickets}} {
		if *p.dst, err = db.RawPrepare(ctx, p.write, p.q); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	static := []byte(`{"id":"01a230b5-d14d-7879-8000-81848d5d775f","status":"ok","items":[1,2,3]}` + "\n")
	mux.HandleFunc("GET /static", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(static)
	})
	mux.HandleFunc("POST /tickets/{id}/comments", c.postComment)
	mux.HandleFunc("GET /tickets/{id}/comments", c.listComments)
	mux.HandleFunc("GET /tickets", c.listTickets)
	mux.HandleFunc("POST /inbound", c.parseEmail)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.addr = "http://" + ln.Addr().String()
	c.srv = &http.Server{Handler: mux}
	go c.srv.Serve(ln)
	return c, nil
}

func (c *ceilings) close() { c.srv.Close() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// postComment decodes the body, inserts the message and updates its ticket
// in one transaction, and encodes the stored comment.
func (c *ceilings) postComment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Content string `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	out := ceilingComment{ID: ticketd.NewID().String(), TicketID: r.PathValue("id"), Author: "AGENT", UserID: &c.user,
		Content: in.Content, CreatedAt: now, UpdatedAt: now}
	err := c.db.RawUpdate(r.Context(), func(tx *sql.Tx) error {
		var number int64
		if err := tx.Stmt(c.insert).QueryRowContext(r.Context(), out.ID, c.ws, out.TicketID, c.user, in.Content, now).Scan(&number); err != nil {
			return err
		}
		_, err := tx.Stmt(c.touch).ExecContext(r.Context(), in.Content, now, out.TicketID)
		return err
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	writeJSON(w, 201, out)
}

// listComments selects 50 messages by their indexed key and encodes them.
func (c *ceilings) listComments(w http.ResponseWriter, r *http.Request) {
	out := make([]ceilingComment, 0, 50)
	err := c.db.RawView(r.Context(), func(tx *sql.Tx) error {
		rows, err := tx.Stmt(c.sel).QueryContext(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m ceilingComment
			var number int64
			var user sql.NullString
			if err := rows.Scan(&number, &m.ID, &m.TicketID, &m.Author, &user, &m.Internal, &m.Content, &m.CreatedAt, &m.UpdatedAt); err != nil {
				return err
			}
			if user.Valid {
				m.UserID = &user.String
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	writeJSON(w, 200, out)
}

// listTickets selects 50 tickets by status and assignee and encodes them.
func (c *ceilings) listTickets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := make([]ceilingTicket, 0, 50)
	err := c.db.RawView(r.Context(), func(tx *sql.Tx) error {
		rows, err := tx.Stmt(c.tickets_).QueryContext(r.Context(), c.ws, q.Get("status"), q.Get("assignee_id"))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t ceilingTicket
			var assignee sql.NullString
			if err := rows.Scan(&t.Number, &t.ID, &t.CustomerID, &t.Subject, &t.Status, &assignee, &t.LastMessage,
				&t.LastMessageAt, &t.CreatedAt, &t.UpdatedAt); err != nil {
				return err
			}
			if assignee.Valid {
				t.AssigneeID = &assignee.String
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	writeJSON(w, 200, out)
}

// parseEmail reads and parses the raw email with ticketd's own parser and
// answers without storing anything.
func (c *ceilings) parseEmail(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 25<<20))
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	e, err := mail.ParseInbound(raw, int64(len(raw))+1, nil)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	writeJSON(w, 201, map[string]any{"message_id": e.MessageID, "subject": e.Subject})
}
