package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/mail/inbound"
)

// IMAPWatcher reads the inboxes that have an IMAP mailbox: new mail in the
// folder goes through the same pipeline as SMTP (intake, parse, verify,
// ingest, dedupe by Message-ID), mail in the Sent folder is recorded as the
// agents' replies. It polls: each pass logs in, reads every UID past the
// last one stored for the folder's UIDVALIDITY, one message at a time,
// storing the UID after each message, so a restart or a dropped
// connection neither misses nor repeats mail. With several nodes, a lease
// in the database gives each mailbox to one node at a time.
type IMAPWatcher struct {
	Service *ticketd.Service
	Intake  *Intake
	Logger  *slog.Logger
	// Interval between passes; default 30 s.
	Interval time.Duration
	// Owner names this node in the lease; random when "".
	Owner string
	// TLSConfig is used for tls and starttls; nil verifies against the
	// system roots. Tests trust their own server's certificate here.
	TLSConfig *tls.Config
}

func (w *IMAPWatcher) interval() time.Duration {
	if w.Interval <= 0 {
		return 30 * time.Second
	}
	return w.Interval
}

func (w *IMAPWatcher) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.Default()
	}
	return w.Logger
}

// Run syncs every interval until ctx ends.
func (w *IMAPWatcher) Run(ctx context.Context) {
	t := time.NewTicker(w.interval())
	defer t.Stop()
	for {
		if err := w.SyncAll(ctx); err != nil && ctx.Err() == nil {
			w.logger().Error("imap", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SyncAll runs one pass over every mailbox whose lease this node holds or
// can take.
func (w *IMAPWatcher) SyncAll(ctx context.Context) error {
	if w.Owner == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		w.Owner = hex.EncodeToString(b)
	}
	mbs, err := w.Service.IMAPMailboxes(ctx)
	if err != nil {
		return err
	}
	for _, mb := range mbs {
		// The lease outlasts a few passes, so a node that stops is
		// replaced within minutes and one that runs keeps its mailbox.
		ok, err := w.Service.ClaimIMAP(ctx, mb.InboxID, w.Owner, 4*w.interval()+time.Minute)
		if err != nil {
			return err
		}
		if !ok {
			continue // another node watches it
		}
		err = w.sync(ctx, mb)
		now := w.Service.Now()
		mb.LastSyncAt, mb.LastError = &now, ""
		if err != nil {
			mb.LastError = err.Error()
			w.logger().Warn("imap sync failed", "inbox_id", mb.InboxID, "host", mb.Account.Host, "err", err)
		}
		if err := w.Service.SaveIMAPState(context.WithoutCancel(ctx), mb); err != nil {
			return err
		}
	}
	return nil
}

func (w *IMAPWatcher) dial(a ticketd.IMAPAccount) (*imapclient.Client, error) {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	opts := &imapclient.Options{TLSConfig: w.TLSConfig, Dialer: &net.Dialer{Timeout: 30 * time.Second}}
	switch a.Security {
	case ticketd.IMAPTLS:
		return imapclient.DialTLS(addr, opts)
	case ticketd.IMAPStartTLS:
		return imapclient.DialStartTLS(addr, opts)
	}
	return imapclient.DialInsecure(addr, opts)
}

// sync reads what is new in the mailbox's folders, updating mb's UIDs as
// it goes.
func (w *IMAPWatcher) sync(ctx context.Context, mb *ticketd.IMAPMailbox) error {
	inbox, err := w.Service.InboxByID(ctx, mb.WorkspaceID, mb.InboxID)
	if err != nil {
		return err
	}
	c, err := w.dial(mb.Account)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	if err := c.Login(mb.Account.Username, mb.Account.Password).Wait(); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if err := w.folder(ctx, c, mb.Account.Folder, &mb.UIDValidity, &mb.LastUID, mb, func(e *ticketd.InboundEmail) error {
		_, err := w.Service.IngestEmail(ctx, inbox, e)
		return err
	}); err != nil {
		return err
	}
	if mb.Account.SentFolder != "" {
		if err := w.folder(ctx, c, mb.Account.SentFolder, &mb.SentUIDValidity, &mb.SentLastUID, mb, func(e *ticketd.InboundEmail) error {
			_, err := w.Service.IngestSent(ctx, inbox, e)
			return err
		}); err != nil {
			return err
		}
	}
	_ = c.Logout().Wait()
	return nil
}

// folder reads the messages of name past *lastUID (all of them when the
// folder's UIDVALIDITY is not *validity), handing each to ingest and
// recording its UID once stored.
func (w *IMAPWatcher) folder(ctx context.Context, c *imapclient.Client, name string, validity, lastUID *uint32,
	mb *ticketd.IMAPMailbox, ingest func(*ticketd.InboundEmail) error) error {
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", name, err)
	}
	if sel.UIDValidity != *validity {
		// A new or recreated folder: its UIDs start over. What was
		// ingested before is recognised by its Message-ID.
		*validity, *lastUID = sel.UIDValidity, 0
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(*lastUID+1), 0) // 0: to the last UID ("*")
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search %s: %w", name, err)
	}
	for _, uid := range found.AllUIDs() {
		if uint32(uid) <= *lastUID {
			continue // "N:*" always matches the last message, even below N
		}
		if err := w.one(ctx, c, uid, ingest); err != nil {
			return fmt.Errorf("%s UID %d: %w", name, uid, err)
		}
		*lastUID = uint32(uid)
		if err := w.Service.SaveIMAPState(ctx, mb); err != nil {
			return err
		}
	}
	return nil
}

// one fetches one message into the intake's spool and ingests it. A
// message that can never be read is skipped (its UID recorded) with a
// warning, as SMTP would bounce it; anything else stops the pass, to be
// tried again on the next.
func (w *IMAPWatcher) one(ctx context.Context, c *imapclient.Client, uid imap.UID, ingest func(*ticketd.InboundEmail) error) error {
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	defer cmd.Close()
	var msg *inbound.Spool
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		for item := m.Next(); item != nil; item = m.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok && msg == nil {
				s, err := w.Intake.Receive(body.Literal)
				if err != nil {
					return err
				}
				msg = s
			}
		}
	}
	if err := cmd.Close(); err != nil {
		if msg != nil {
			msg.Close()
		}
		return fmt.Errorf("fetch: %w", err)
	}
	if msg == nil {
		return nil // expunged meanwhile
	}
	defer msg.Close()
	release, err := w.Intake.Admit(ctx, msg.Size())
	if err != nil {
		return err
	}
	defer release()
	e, err := ParseSpooled(msg, w.Intake.MaxBytes, nil)
	if err != nil {
		w.logger().Warn("imap message skipped: not readable", "uid", uid, "err", err)
		return nil
	}
	w.Intake.Authenticate(ctx, msg, e, Origin{})
	if err := ingest(e); err != nil {
		if code := ticketd.ErrorCode(err); code == ticketd.EINVALID || code == ticketd.EMALFORMED {
			w.logger().Warn("imap message skipped", "uid", uid, "err", err)
			return nil
		}
		return err
	}
	return nil
}
