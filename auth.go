package ticketd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// This file holds the rules of agents signing in to the console: passwords,
// sessions, login throttling, invitations and password resets. Surfaces only
// render; every rule (password length, who may invite, how long a session
// lives, how many attempts) is here.

// ETHROTTLED says a caller tried too often and must wait.
const ETHROTTLED = "throttled"

// Login is an agent's console credential: a password hash and whether the
// agent may sign in. An agent without a Login has no password yet.
type Login struct {
	UserID        ID
	WorkspaceID   ID
	PasswordHash  string
	DeactivatedAt *time.Time
	UpdatedAt     time.Time
}

// Session is one signed-in browser. Only the SHA-256 of its token is stored,
// so a copy of the database does not sign anyone in.
type Session struct {
	ID          ID
	Hash        []byte
	WorkspaceID ID
	UserID      ID
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Token purposes of a one-time link.
const (
	TokenInvite = "invite"
	TokenReset  = "reset"
)

// LoginToken is a one-time link that lets its holder set the password of
// one agent: an invitation or a password reset. Stored hashed.
type LoginToken struct {
	ID          ID
	Hash        []byte
	Purpose     string
	WorkspaceID ID
	UserID      ID
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
}

// SystemEmail is mail ticketd sends on its own behalf, without a ticket (an
// invitation, a password reset), through the same durable outbox as replies.
type SystemEmail struct {
	ID          ID
	WorkspaceID ID
	InboxID     ID
	To          string
	Subject     string
	Body        string
	Status      DeliveryStatus
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Rules of signing in.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256 // bounds the work one request can ask of argon2id
	// SessionLifetime is how long a session lasts after signing in.
	SessionLifetime = 7 * 24 * time.Hour
	// ThrottleWindow is the window in which sign-in attempts are counted.
	ThrottleWindow = 15 * time.Minute
	// AccountAttempts is how many sign-in attempts one account gets per
	// window; a successful sign-in starts its count again.
	AccountAttempts = 10
	// AddressAttempts is how many attempts one client address gets per
	// window, whatever the accounts: enough for an office behind one NAT.
	AddressAttempts = 50
	inviteLifetime  = 7 * 24 * time.Hour
	resetLifetime   = time.Hour
	// maxAccountsPerEmail bounds the password checks of one sign-in: one
	// email may be an agent in several workspaces.
	maxAccountsPerEmail = 5
)

// argonParams follow OWASP's recommendation for argon2id (19 MiB, two
// passes, one lane): slow for an attacker with a stolen hash, and cheap
// enough that a small server can sign in a team.
var argonParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// hashSlots bounds the argon2id computations running at once, so that a
// flood of sign-ins costs waiting, not memory (19 MiB each).
var hashSlots = make(chan struct{}, 4)

func withHashSlot[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var zero T
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	defer func() { <-hashSlots }()
	return fn()
}

// dummyHash is compared against when no account matches, so that a sign-in
// for an unknown email takes as long as one with a wrong password.
var dummyHash, _ = argon2id.CreateHash("not a password of anyone", argonParams)

// CheckPassword applies the password rules.
func CheckPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return Invalid("password", "value_error.str", "must be valid UTF-8")
	case n < MinPasswordLen:
		return Invalid("password", "value_error.any_str.min_length", "must be at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return Invalid("password", "value_error.any_str.max_length", "must be at most %d characters", MaxPasswordLen)
	}
	return nil
}

func hashPassword(ctx context.Context, pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	return withHashSlot(ctx, func() (string, error) { return argon2id.CreateHash(pw, argonParams) })
}

func passwordMatches(ctx context.Context, pw, hash string) (bool, error) {
	if len(pw) > 4*MaxPasswordLen {
		return false, nil
	}
	return withHashSlot(ctx, func() (bool, error) { return argon2id.ComparePasswordAndHash(pw, hash) })
}

// newSecret returns a random token of 256 bits and its SHA-256.
func newSecret() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	raw := keyEncoding.EncodeToString(b)
	return raw, hashSecret(raw)
}

func hashSecret(raw string) []byte {
	sum := sha256.Sum256([]byte(raw))
	return sum[:]
}

// RoleScopes are the rights an agent of a role has in the console: an admin
// has every scope; an agent works tickets and customers but does not manage
// agents, keys or settings.
func RoleScopes(r Role) []Scope {
	if r == RoleAdmin {
		return AllScopes
	}
	var out []Scope
	for _, s := range AllScopes {
		if !r.AllowsScope(s) { // the read-only roles only look (roles.go)
			continue
		}
		if strings.HasPrefix(string(s), "settings:") || s == "users:write" || s == "inbound:write" || s == ScopeAdmin {
			continue
		}
		out = append(out, s)
	}
	return out
}

// ReadsNotes reports whether the principal may see internal notes: only a
// team audience (never a customer-facing mount), and then any key that reads
// a conversation with its notes (the comments or messages resource); a key
// that only reads tickets may not.
func (p *Principal) ReadsNotes() bool {
	return p.Audience.SeesNotes() && (p.Can("comments:read") || p.Can("messages:read"))
}

// SignedIn is the result of signing in: the session's cookie value, once, and
// who signed in.
type SignedIn struct {
	Token   string
	Session *Session
	User    *User
}

// SignIn checks an agent's email and password and opens a session. addr is
// the client's address. Attempts are counted per account and per address
// before the password is checked, each with one atomic statement, so that
// neither several nodes nor parallel requests get more than their share.
// Every failure is the same EUNAUTHORIZED, whether the email is unknown, the
// password wrong or the agent deactivated; too many attempts is ETHROTTLED.
func (s *Service) SignIn(ctx context.Context, email, password, addr string) (*SignedIn, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 {
		email = email[:254]
	}
	now := s.Now()
	var users []*User
	logins := map[ID]*Login{}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := throttleSignIn(ctx, tx, email, addr, now); err != nil {
			return err
		}
		us, err := tx.UsersByEmail(ctx, email, maxAccountsPerEmail)
		if err != nil {
			return err
		}
		users = users[:0]
		for _, u := range us {
			l, err := tx.Login(ctx, u.WorkspaceID, u.ID)
			if ErrorCode(err) == ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			if l.DeactivatedAt == nil {
				users = append(users, u)
				logins[u.ID] = l
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	denied := Errorf(EUNAUTHORIZED, "wrong email or password")
	if len(users) == 0 {
		_, _ = passwordMatches(ctx, password, dummyHash)
		return nil, denied
	}
	for _, u := range users {
		ok, err := passwordMatches(ctx, password, logins[u.ID].PasswordHash)
		if err != nil {
			return nil, fmt.Errorf("compare password: %w", err)
		}
		if ok {
			return s.openSession(ctx, u, "account:"+email)
		}
	}
	return nil, denied
}

// throttleSignIn counts an attempt on the account and on the address.
func throttleSignIn(ctx context.Context, tx Tx, email, addr string, now time.Time) error {
	if err := throttle(ctx, tx, "account:"+email, AccountAttempts, now); err != nil {
		return err
	}
	return throttle(ctx, tx, "address:"+addr, AddressAttempts, now)
}

// throttle counts one attempt on key and refuses it past limit.
func throttle(ctx context.Context, tx Tx, key string, limit int, now time.Time) error {
	n, err := tx.CountAttempt(ctx, key, now, now.Add(-ThrottleWindow))
	if err != nil {
		return err
	}
	if n > limit {
		return Errorf(ETHROTTLED, "too many sign-in attempts; try again in %d minutes", int(ThrottleWindow.Minutes()))
	}
	return nil
}

// openSession stores a new session for u; clearKey is a throttle count that a
// success resets.
func (s *Service) openSession(ctx context.Context, u *User, clearKey string) (*SignedIn, error) {
	now := s.Now()
	raw, hash := newSecret()
	sess := &Session{ID: NewID(), Hash: hash, WorkspaceID: u.WorkspaceID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}
	err := s.store.Update(ctx, func(tx Tx) error {
		if clearKey != "" {
			if err := tx.ClearAttempts(ctx, clearKey); err != nil {
				return err
			}
		}
		if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		return tx.CreateSession(ctx, sess)
	})
	if err != nil {
		return nil, err
	}
	return &SignedIn{Token: raw, Session: sess, User: u}, nil
}

// SessionPrincipal returns the principal and agent of a session token.
// EUNAUTHORIZED if the token is unknown, expired, or its agent deactivated.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*Principal, *User, error) {
	return s.sessionRead(ctx, token, nil)
}

// sessionRead is SessionPrincipal, running also (when it is not nil) then,
// in the same transaction, with the principal.
func (s *Service) sessionRead(ctx context.Context, token string, then func(Tx, *Principal) error) (*Principal, *User, error) {
	unauthorized := Errorf(EUNAUTHORIZED, "not signed in")
	if token == "" || len(token) > 100 {
		return nil, nil, unauthorized
	}
	var u *User
	var p *Principal
	err := s.store.View(ctx, func(tx Tx) (err error) {
		sess, user, l, err := tx.SessionAgent(ctx, hashSecret(token), s.Now())
		if err != nil {
			return err
		}
		u = user
		if l.DeactivatedAt != nil {
			return NotFound("session")
		}
		p = &Principal{WorkspaceID: u.WorkspaceID, UserID: u.ID, KeyID: sess.ID, Scopes: RoleScopes(u.Role), Role: u.Role,
			// The console is the team's own: it sees and writes internal notes.
			Audience: AudienceTeam}
		if then != nil {
			return then(tx, p)
		}
		return nil
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, unauthorized
	} else if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

// SignOut ends the session of token; an unknown token is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	return s.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hashSecret(token)) })
}

// setPassword stores a new password for u and ends every session of u: a
// changed password must lock out whoever knew the old one.
func setPassword(ctx context.Context, tx Tx, u *User, hash string, now time.Time) error {
	l, err := tx.Login(ctx, u.WorkspaceID, u.ID)
	if ErrorCode(err) == ENOTFOUND {
		l = &Login{UserID: u.ID, WorkspaceID: u.WorkspaceID}
	} else if err != nil {
		return err
	}
	l.PasswordHash, l.UpdatedAt = hash, now
	if err := tx.PutLogin(ctx, l); err != nil {
		return err
	}
	return tx.DeleteUserSessions(ctx, u.WorkspaceID, u.ID)
}

// ChangePassword changes the principal's own password after checking the
// current one. Every session of the agent ends, the caller's too.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	var l *Login
	var u *User
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if u, err = tx.User(ctx, p.WorkspaceID, ByID(p.UserID)); err != nil {
			return err
		}
		l, err = tx.Login(ctx, p.WorkspaceID, p.UserID)
		return err
	})
	if err != nil {
		return err
	}
	if ok, err := passwordMatches(ctx, current, l.PasswordHash); err != nil {
		return err
	} else if !ok {
		return Invalid("current_password", "value_error", "is not your current password")
	}
	hash, err := hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error { return setPassword(ctx, tx, u, hash, s.Now()) })
}

// SetPasswordByEmail sets the password of every agent with this email, in
// any workspace, and ends their sessions: the operator's recovery (`ticketd
// user set-password`), which also makes the first admin able to sign in.
// ENOTFOUND if no agent has the email. It returns how many agents it changed.
func (s *Service) SetPasswordByEmail(ctx context.Context, email, password string) (int, error) {
	email, err := normalizeEmail("email", email, true)
	if err != nil {
		return 0, err
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.store.Update(ctx, func(tx Tx) error {
		us, err := tx.UsersByEmail(ctx, email, 100)
		if err != nil {
			return err
		}
		if len(us) == 0 {
			return NotFound("user")
		}
		for _, u := range us {
			if err := setPassword(ctx, tx, u, hash, s.Now()); err != nil {
				return err
			}
		}
		n = len(us)
		return nil
	})
	return n, err
}

// SetActive deactivates or reactivates an agent. Deactivation ends the
// agent's sessions and stops it signing in. Only an admin may, and not on
// itself (a workspace must keep an admin who can undo it).
func (s *Service) SetActive(ctx context.Context, p *Principal, user ID, active bool) error {
	if !p.Can("users:write") {
		return Errorf(EFORBIDDEN, "only an admin can deactivate agents")
	}
	if user == p.UserID && !active {
		return Invalid("user", "value_error", "you cannot deactivate yourself")
	}
	now := s.Now()
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.WorkspaceID, ByID(user))
		if err != nil {
			return err
		}
		l, err := tx.Login(ctx, u.WorkspaceID, u.ID)
		if ErrorCode(err) == ENOTFOUND {
			l = &Login{UserID: u.ID, WorkspaceID: u.WorkspaceID}
		} else if err != nil {
			return err
		}
		l.DeactivatedAt, l.UpdatedAt = nil, now
		if !active {
			l.DeactivatedAt = &now
		}
		if err := tx.PutLogin(ctx, l); err != nil {
			return err
		}
		// One notion of an active agent: the user's is_active (TopTickets'
		// field, which stops the agent's API keys) follows the console's
		// switch, so a deactivated agent reaches nothing, by key or by
		// session.
		was := u.IsActive
		if err := patchUserProfile(ctx, tx, u, UserProfilePatch{IsActive: &active}); err != nil {
			return err
		}
		if !active {
			if err := tx.DeleteUserSessions(ctx, u.WorkspaceID, u.ID); err != nil {
				return err
			}
		}
		if was == active {
			return nil
		}
		// The agent's is_active is a field of the user's object: its change
		// is a user.updated like one made through the API.
		return s.emit(ctx, tx, userEvent(EventUserUpdated, u)...)
	})
}

// Agent is a user with its sign-in state, as the admin pages list them.
type Agent struct {
	*User
	HasPassword bool
	Active      bool
}

// Agents lists the workspace's agents with their sign-in state.
func (s *Service) Agents(ctx context.Context, p *Principal) ([]Agent, error) {
	var out []Agent
	err := s.store.View(ctx, func(tx Tx) error {
		us, err := tx.Users(ctx, p.WorkspaceID, Page{Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range us {
			a := Agent{User: u, Active: true}
			l, err := tx.Login(ctx, u.WorkspaceID, u.ID)
			if err == nil {
				a.HasPassword, a.Active = l.PasswordHash != "", l.DeactivatedAt == nil
			} else if ErrorCode(err) != ENOTFOUND {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// Invitation is the input of Invite.
type Invitation struct {
	Email string
	Name  string
	Role  Role
	// LinkBase is the start of the link the email carries; the token is
	// appended to it (the console's /invite/ page).
	LinkBase string
}

// Invite adds an agent and emails it a one-time link to choose a password,
// through the outbox from the workspace's first inbox. Only an admin may
// invite. EINVALID when the workspace has no inbox to send from; ECONFLICT
// if the email is an agent already.
func (s *Service) Invite(ctx context.Context, p *Principal, in Invitation) (*User, error) {
	if !p.Can("users:write") {
		return nil, Errorf(EFORBIDDEN, "only an admin can invite agents")
	}
	now := s.Now()
	u := &User{ID: NewID(), WorkspaceID: p.WorkspaceID, Role: in.Role, Name: strings.TrimSpace(in.Name), CreatedAt: now, UpdatedAt: now}
	if u.Role == "" {
		u.Role = RoleAgent
	}
	var err error
	if u.Email, err = normalizeEmail("email", in.Email, true); err != nil {
		return nil, err
	}
	if u.Name == "" {
		u.Name, _, _ = strings.Cut(u.Email, "@")
	}
	if err := validateUser(u); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		ws, err := tx.Workspace(ctx, p.WorkspaceID)
		if err != nil {
			return err
		}
		subject := "You are invited to " + ws.Name + " on ticketd"
		body := "Hello " + u.Name + ",\n\nyou have been invited to the support team of " + ws.Name +
			".\nChoose your password here (the link works once, for 7 days):\n\n%s\n"
		if err := s.sendLink(ctx, tx, u, TokenInvite, inviteLifetime, in.LinkBase, subject, body, now); err != nil {
			return err
		}
		return s.emit(ctx, tx, userEvent(EventUserCreated, u)...)
	})
	if err != nil {
		return nil, conflictMessage(err, "a user with this email exists already")
	}
	s.notifyQueued()
	return u, nil
}

// sendLink makes a one-time token for u and queues an email carrying
// linkBase+token (body has one %s for the link).
func (s *Service) sendLink(ctx context.Context, tx Tx, u *User, purpose string, life time.Duration, linkBase, subject, body string, now time.Time) error {
	ibs, err := tx.Inboxes(ctx, u.WorkspaceID, Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(ibs) == 0 {
		return Invalid("email", "value_error", "the workspace has no inbox to send the link from; add one, or set the password with `ticketd user set-password`")
	}
	raw, hash := newSecret()
	tok := &LoginToken{ID: NewID(), Hash: hash, Purpose: purpose, WorkspaceID: u.WorkspaceID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(life)}
	if err := tx.CreateLoginToken(ctx, tok); err != nil {
		return err
	}
	e := &SystemEmail{ID: NewID(), WorkspaceID: u.WorkspaceID, InboxID: ibs[0].ID, To: u.Email, Subject: subject,
		Body: fmt.Sprintf(body, linkBase+raw), Status: DeliveryQueued, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateSystemEmail(ctx, e); err != nil {
		return err
	}
	return tx.EnqueueOutbox(ctx, &OutboxEntry{ID: NewID(), WorkspaceID: u.WorkspaceID, MessageID: e.ID, NextAttemptAt: now, CreatedAt: now})
}

// RequestPasswordReset emails a one-time reset link to every active agent
// with this email that has a password. It never says whether the email is
// known (the answer is the same either way), and it counts against the
// account's sign-in attempts, so it cannot be used to flood a mailbox.
func (s *Service) RequestPasswordReset(ctx context.Context, email, addr, linkBase string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 {
		return nil
	}
	now := s.Now()
	queued := false
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := throttleSignIn(ctx, tx, email, addr, now); err != nil {
			return err
		}
		us, err := tx.UsersByEmail(ctx, email, maxAccountsPerEmail)
		if err != nil {
			return err
		}
		for _, u := range us {
			l, err := tx.Login(ctx, u.WorkspaceID, u.ID)
			if err != nil || l.DeactivatedAt != nil {
				continue
			}
			err = s.sendLink(ctx, tx, u, TokenReset, resetLifetime, linkBase, "Reset your ticketd password",
				"Hello "+u.Name+",\n\nsomeone asked to reset your password. If it was you, choose a new one here (the link works once, for an hour):\n\n%s\n\nIf it was not you, ignore this email.\n", now)
			if ErrorCode(err) == EINVALID {
				continue // no inbox to send from: nothing to do, and nothing to tell
			} else if err != nil {
				return err
			}
			queued = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if queued {
		s.notifyQueued()
	}
	return nil
}

// RedeemToken uses a one-time link: it sets the agent's password, ends the
// agent's other sessions and signs it in. The link works once; an unknown,
// used or expired link is ENOTFOUND.
func (s *Service) RedeemToken(ctx context.Context, raw, password string) (*SignedIn, error) {
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var u *User
	err = s.store.Update(ctx, func(tx Tx) error {
		tok, err := tx.LoginTokenByHash(ctx, hashSecret(raw))
		if err != nil {
			return err
		}
		if tok.UsedAt != nil || !now.Before(tok.ExpiresAt) {
			return NotFound("link")
		}
		// Marking it used is a conditional update: two redemptions racing on
		// two nodes cannot both succeed.
		if err := tx.UseLoginToken(ctx, tok.ID, now); err != nil {
			return err
		}
		if u, err = tx.User(ctx, tok.WorkspaceID, ByID(tok.UserID)); err != nil {
			return err
		}
		return setPassword(ctx, tx, u, hash, now)
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "this link is unknown, used or expired")
	} else if err != nil {
		return nil, err
	}
	return s.openSession(ctx, u, "")
}

// ---- delivering system mail --------------------------------------------------

// deliverSystemEmail delivers e when it is a system email and reports
// whether it was one.
func (s *Service) deliverSystemEmail(ctx context.Context, mailer Mailer, e *OutboxEntry) (bool, error) {
	var out *OutgoingEmail
	var sys *SystemEmail
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if sys, err = tx.SystemEmail(ctx, e.MessageID); err != nil {
			return err
		}
		inbox, err := tx.Inbox(ctx, sys.WorkspaceID, ByID(sys.InboxID))
		if err != nil {
			return err
		}
		d, err := tx.SendingDomain(ctx, sys.WorkspaceID, ByID(inbox.DomainID))
		if err != nil {
			return err
		}
		out = &OutgoingEmail{MessageID: sys.ID, From: EmailAddress{Name: inbox.Name, Address: inbox.Address},
			To: []EmailAddress{{Address: sys.To}}, Subject: sys.Subject, Text: sys.Body, Date: sys.CreatedAt,
			ExternalID: "<" + sys.ID.String() + "@" + d.Name + ">", Domain: d.Name, Keys: d.Keys}
		return nil
	})
	if sys == nil && ErrorCode(err) == ENOTFOUND {
		return false, nil
	}
	var sendErr error
	if err == nil {
		sendErr = s.send(ctx, mailer, out)
	} else if ErrorCode(err) == ENOTFOUND {
		sendErr = fmt.Errorf("%w: %v", ErrPermanentDelivery, err)
	} else {
		return true, err
	}
	return true, s.store.Update(ctx, func(tx Tx) error {
		sys.UpdatedAt = s.Now()
		switch {
		case sendErr == nil:
			sys.Status, sys.Error = DeliverySent, ""
		case errors.Is(sendErr, ErrPermanentDelivery) || e.Attempts >= MaxDeliveryAttempts:
			sys.Status, sys.Error = DeliveryFailed, sendErr.Error()
			s.logger.Warn("system email failed", "system_email_id", sys.ID, "err", sendErr)
		default:
			sys.Error = sendErr.Error()
			if err := tx.UpdateSystemEmail(ctx, sys); err != nil {
				return err
			}
			return tx.RescheduleOutbox(ctx, e.ID, e.Attempts, s.Now().Add(retryDelay(e.Attempts)))
		}
		if err := tx.UpdateSystemEmail(ctx, sys); err != nil {
			return err
		}
		return tx.DeleteOutbox(ctx, e.ID)
	})
}
