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
//
// Between passes Run waits for new mail: when the server advertises IDLE
// (RFC 2177) the pass keeps its connection and IDLEs on the folder, and the
// next pass starts as soon as the server reports a new message (EXISTS);
// otherwise, and at the latest, after Interval (at most 25 minutes while
// idling, as RFC 2177 asks clients to re-issue IDLE within 29). Only the
// folder is watched: the Sent folder is read on each pass, so agents'
// replies typed in a mail client still arrive at polling pace.
type IMAPWatcher struct {
	Service *ticketd.Service
	Intake  *Intake
	Logger  *slog.Logger
	// Interval between passes when the server has no IDLE, and the longest
	// wait when it has; default 30 s.
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

// maxIdle bounds one IDLE: RFC 2177 has servers drop a client idle for
// 30 minutes and clients re-issue IDLE within 29.
const maxIdle = 25 * time.Minute

// Run syncs until ctx ends, waiting between passes for new mail (IDLE) or
// the interval.
func (w *IMAPWatcher) Run(ctx context.Context) {
	for {
		// Buffered: the server may report mail while nobody waits yet.
		wake := make(chan struct{}, 1)
		idlers, err := w.syncAll(ctx, wake)
		if err != nil && ctx.Err() == nil {
			w.logger().Error("imap", "err", err)
		}
		w.wait(ctx, idlers, wake)
		if ctx.Err() != nil {
			return
		}
	}
}

// wait IDLEs on the connections the pass kept until one reports new mail
// or ends, the interval (at most maxIdle) passes, or ctx ends, and closes
// them. Any new mail starts a pass over every mailbox, which reconnects
// (and renews the leases). The lease lasts 4 intervals and a minute, longer
// than any wait here, so it needs no renewal while idling.
func (w *IMAPWatcher) wait(ctx context.Context, idlers []*imapclient.Client, wake chan struct{}) {
	d := w.interval()
	if len(idlers) > 0 && d > maxIdle {
		d = maxIdle
	}
	cmds := make([]*imapclient.IdleCommand, len(idlers)) // nil: IDLE failed
	for i, c := range idlers {
		cmd, err := c.Idle()
		if err != nil {
			// Not a reason to reconnect at once (a server that always
			// refuses would spin): this mailbox waits the interval.
			w.logger().Warn("imap idle failed", "err", err)
			continue
		}
		cmds[i] = cmd
		go func() {
			// Wait returns when IDLE ends: a dropped connection or a
			// server's BYE starts the next pass, which reconnects.
			_ = cmd.Wait()
			signal(wake)
		}()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
	for i, c := range idlers {
		if cmds[i] != nil && ctx.Err() == nil {
			// Leave IDLE and log out politely, but not for long on a
			// server that stopped answering.
			hung := time.AfterFunc(10*time.Second, func() { _ = c.Close() })
			if cmds[i].Close() == nil {
				_ = cmds[i].Wait()
				_ = c.Logout().Wait()
			}
			hung.Stop()
		}
		_ = c.Close()
	}
}

// signal wakes wait without blocking: one pending wake is enough.
func signal(wake chan struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// SyncAll runs one pass over every mailbox whose lease this node holds or
// can take.
func (w *IMAPWatcher) SyncAll(ctx context.Context) error {
	_, err := w.syncAll(ctx, nil)
	return err
}

// syncAll is SyncAll; with wake, it keeps the connections whose server has
// IDLE, the folder selected, for wait, and they signal wake on new mail.
func (w *IMAPWatcher) syncAll(ctx context.Context, wake chan struct{}) (idlers []*imapclient.Client, err error) {
	defer func() {
		if err != nil {
			for _, c := range idlers {
				_ = c.Close()
			}
			idlers = nil
		}
	}()
	if w.Owner == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		w.Owner = hex.EncodeToString(b)
	}
	mbs, err := w.Service.IMAPMailboxes(ctx)
	if err != nil {
		return nil, err
	}
	for _, mb := range mbs {
		// The lease outlasts a few passes, so a node that stops is
		// replaced within minutes and one that runs keeps its mailbox.
		ok, err := w.Service.ClaimIMAP(ctx, mb.InboxID, w.Owner, 4*w.interval()+time.Minute)
		if err != nil {
			return idlers, err
		}
		if !ok {
			continue // another node watches it
		}
		var idler *imapclient.Client
		idler, err = w.sync(ctx, mb, wake)
		if idler != nil {
			idlers = append(idlers, idler)
		}
		now := w.Service.Now()
		mb.LastSyncAt, mb.LastError = &now, ""
		if err != nil {
			mb.LastError = err.Error()
			w.logger().Warn("imap sync failed", "inbox_id", mb.InboxID, "host", mb.Account.Host, "err", err)
		}
		if err := w.Service.SaveIMAPState(context.WithoutCancel(ctx), mb); err != nil {
			return idlers, err
		}
	}
	return idlers, nil
}

func (w *IMAPWatcher) dial(a ticketd.IMAPAccount, wake chan struct{}) (*imapclient.Client, error) {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	opts := &imapclient.Options{TLSConfig: w.TLSConfig, Dialer: &net.Dialer{Timeout: 30 * time.Second}}
	if wake != nil {
		opts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages == nil {
				return // flags only
			}
			// EXISTS also follows an expunge: at worst a pass that
			// finds nothing new.
			signal(wake)
		}}
	}
	switch a.Security {
	case ticketd.IMAPTLS:
		return imapclient.DialTLS(addr, opts)
	case ticketd.IMAPStartTLS:
		return imapclient.DialStartTLS(addr, opts)
	}
	return imapclient.DialInsecure(addr, opts)
}

// sync reads what is new in the mailbox's folders, updating mb's UIDs as
// it goes. With wake, when the server has IDLE, it returns the connection
// logged in with the folder selected instead of logging out.
func (w *IMAPWatcher) sync(ctx context.Context, mb *ticketd.IMAPMailbox, wake chan struct{}) (idler *imapclient.Client, err error) {
	inbox, err := w.Service.InboxByID(ctx, mb.WorkspaceID, mb.InboxID)
	if err != nil {
		return nil, err
	}
	c, err := w.dial(mb.Account, wake)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer func() {
		// Shutdown during the pass closed c already; wait closes it
		// (even then) when kept.
		stop()
		if idler == nil {
			_ = c.Close()
		}
	}()
	if err := c.Login(mb.Account.Username, mb.Account.Password).Wait(); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	if err := w.folder(ctx, c, mb.Account.Folder, &mb.UIDValidity, &mb.LastUID, mb, func(e *ticketd.InboundEmail) error {
		_, err := w.Service.IngestEmail(ctx, inbox, e)
		return err
	}); err != nil {
		return nil, err
	}
	if mb.Account.SentFolder != "" {
		if err := w.folder(ctx, c, mb.Account.SentFolder, &mb.SentUIDValidity, &mb.SentLastUID, mb, func(e *ticketd.InboundEmail) error {
			_, err := w.Service.IngestSent(ctx, inbox, e)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if wake != nil && c.Caps().Has(imap.CapIdle) && ctx.Err() == nil {
		if mb.Account.SentFolder != "" {
			// IDLE watches the selected folder: back to the inbox's.
			sel, err := c.Select(mb.Account.Folder, &imap.SelectOptions{ReadOnly: true}).Wait()
			if err != nil {
				return nil, fmt.Errorf("select %s: %w", mb.Account.Folder, err)
			}
			// Mail that came while the Sent folder was read is in the
			// SELECT's answer, not an EXISTS that IDLE would report:
			// look for it (UIDNEXT would also count expunged mail).
			newer := sel.UIDValidity != mb.UIDValidity
			if !newer && sel.NumMessages > 0 {
				var set imap.UIDSet
				set.AddRange(imap.UID(mb.LastUID+1), 0)
				found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
				if err != nil {
					return nil, fmt.Errorf("search %s: %w", mb.Account.Folder, err)
				}
				for _, uid := range found.AllUIDs() {
					newer = newer || uint32(uid) > mb.LastUID
				}
			}
			if newer {
				signal(wake)
			}
		}
		return c, nil
	}
	_ = c.Logout().Wait()
	return nil, nil
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
