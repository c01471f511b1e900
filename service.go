package ticketd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Service holds ticketd's use cases. Surfaces call it with the authenticated
// Principal; it opens one transaction per use case, applies the rules that hold
// across surfaces, and returns *Error values for everything a caller did wrong.
type Service struct {
	store     Store
	now       Clock
	logger    *slog.Logger
	authority DomainAuthority
	analyzer  Analyzer
	blobs     BlobStore
	// lease is how long a claimed outbox entry stays reserved
	// (WithDeliveryLease); the send timeout plus leaseMargin when 0.
	lease time.Duration
	// sendTimeout is the deadline of one outbound send (WithSendTimeout).
	sendTimeout time.Duration

	// webhookURLCheck vets webhook URLs (WithWebhookURLCheck).
	webhookURLCheck func(*url.URL) error

	mu sync.Mutex
	// queued are called after a transaction queued an email.
	queued []func()

	keys keyCache
	// convs caches conversation pages (convcache.go); nil when off.
	convs *convCache
	// downloadSecret signs download links (downloadlinks.go), read once.
	downloadSecret []byte
}

// Option configures a Service.
type Option func(*Service)

// WithClock pins the service's clock (tests).
func WithClock(c Clock) Option { return func(s *Service) { s.now = c } }

// WithLogger sets the service's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.logger = l } }

// NewService returns the use cases over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, logger: slog.Default(), sendTimeout: DefaultSendTimeout,
		convs: newConvCache(DefaultConversationCacheBytes)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store returns the service's store, for adapters that need to read what the
// service wrote (the outbox worker, tests).
func (s *Service) Store() Store { return s.store }

// Now returns the service's current time, in UTC and at the microsecond
// precision both database engines keep, so a time read back equals the time
// written.
func (s *Service) Now() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// Limits on the lengths of free text, so that one request cannot store
// unbounded data in a field that is shown in lists.
const (
	maxNameLen    = 200
	maxSubjectLen = 1000
	maxBodyLen    = 1 << 20 // a message body
	maxTags       = 50
	maxTagLen     = 100
	// lastMessagePreview is how much of a message the ticket keeps as its
	// last message, enough for any list view and bounded for huge bodies.
	lastMessagePreview = 1000
)

// ---- workspaces and API keys ----------------------------------------------

// NewWorkspace is the input of CreateWorkspace.
type NewWorkspace struct {
	Name       string
	OwnerEmail string
	OwnerName  string
}

// Validate checks the input as CreateWorkspace would, without a store, so
// that a command line can refuse bad input before it opens (and creates) a
// database. EINVALID names the field.
func (in NewWorkspace) Validate() error {
	_, _, err := in.validate()
	return err
}

func (in NewWorkspace) validate() (name, email string, err error) {
	name = strings.TrimSpace(in.Name)
	if err := checkHeaderText("name", name, 1, maxNameLen); err != nil {
		return "", "", err
	}
	email, err = normalizeEmail("owner_email", in.OwnerEmail, true)
	return name, email, err
}

// CreateWorkspace creates a workspace, its owner (an admin agent) and an API
// key with every scope that acts as the owner. The key is returned once, in
// clear; only its hash is stored.
func (s *Service) CreateWorkspace(ctx context.Context, in NewWorkspace) (*Workspace, *User, string, error) {
	name, email, err := in.validate()
	if err != nil {
		return nil, nil, "", err
	}
	ownerName := strings.TrimSpace(in.OwnerName)
	if ownerName == "" {
		ownerName, _, _ = strings.Cut(email, "@")
	}
	now := s.Now()
	ws := &Workspace{ID: NewID(), Name: name, Settings: DefaultSettings, CreatedAt: now}
	owner := &User{ID: NewID(), WorkspaceID: ws.ID, Email: email, Name: ownerName, Role: RoleAdmin, CreatedAt: now, UpdatedAt: now}
	key, raw := newAPIKey(ws.ID, owner.ID, "owner", AllScopes, now)
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, owner); err != nil {
			return err
		}
		return tx.CreateAPIKey(ctx, key)
	})
	if err != nil {
		return nil, nil, "", err
	}
	return ws, owner, raw, nil
}

// Empty reports whether the database has no workspace yet.
func (s *Service) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.store.View(ctx, func(tx Tx) (err error) {
		n, err = tx.CountWorkspaces(ctx)
		return err
	})
	return n == 0, err
}

// WorkspaceUpdate changes the given fields of a workspace.
type WorkspaceUpdate struct {
	Name               *string
	AutoTriage         *bool
	EmailAgentComments *bool
	Website            *string
}

// UpdateWorkspace changes the principal's workspace.
func (s *Service) UpdateWorkspace(ctx context.Context, p *Principal, in WorkspaceUpdate) (*Workspace, error) {
	var ws *Workspace
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		// Locked: the settings are one column, and a PATCH of one switch
		// must keep a concurrent PATCH of the other.
		if ws, err = tx.WorkspaceForUpdate(ctx, p.WorkspaceID); err != nil {
			return err
		}
		var patch WorkspacePatch
		if in.Name != nil {
			patch.Name = SetTo(strings.TrimSpace(*in.Name))
		}
		if in.AutoTriage != nil || in.EmailAgentComments != nil || in.Website != nil {
			settings := ws.Settings
			if in.Website != nil {
				settings.Website = strings.ToLower(strings.TrimSpace(*in.Website))
				if err := checkText("website", settings.Website, 0, maxHeaderLen); err != nil {
					return err
				}
			}
			if in.AutoTriage != nil {
				settings.AutoTriage = *in.AutoTriage
			}
			if in.EmailAgentComments != nil {
				settings.EmailAgentComments = *in.EmailAgentComments
			}
			patch.Settings = SetTo(settings)
		}
		patch.Apply(ws)
		if err := checkHeaderText("name", ws.Name, 1, maxNameLen); err != nil {
			return err
		}
		return tx.UpdateWorkspace(ctx, ws.ID, patch)
	})
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// Workspace returns the principal's workspace.
func (s *Service) Workspace(ctx context.Context, p *Principal) (*Workspace, error) {
	var ws *Workspace
	err := s.store.View(ctx, func(tx Tx) (err error) {
		ws, err = tx.Workspace(ctx, p.WorkspaceID)
		return err
	})
	return ws, err
}

// keyPrefix starts every API key, so that a leaked key is recognisable by
// secret scanners and by people.
const keyPrefix = "tkd_"

// keyEncoding renders key bytes as lower-case base32 without padding: no
// characters that need escaping in a header, a URL or a shell.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newAPIKey makes a key of 240 random bits. Its first 16 characters after
// "tkd_" are stored in clear as a lookup prefix; the whole key is stored as a
// SHA-256 hash, which is enough for a secret of this entropy (a slow password
// hash protects guessable secrets, and these are not guessable).
func newAPIKey(ws, user ID, name string, scopes []Scope, now time.Time) (*APIKey, string) {
	b := make([]byte, 30)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	raw := keyPrefix + keyEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(raw))
	return &APIKey{
		ID: NewID(), WorkspaceID: ws, UserID: user, Name: name,
		Prefix: raw[:len(keyPrefix)+16], Hash: sum[:], Scopes: scopes, CreatedAt: now, Role: RoleAdmin,
	}, raw
}

// Authenticate returns the principal of a raw API key, or EUNAUTHORIZED when
// the key is empty, malformed or unknown. The hash comparison takes constant
// time so that a caller cannot learn a key byte by byte.
func (s *Service) Authenticate(ctx context.Context, raw string) (*Principal, error) {
	unauthorized := Errorf(EUNAUTHORIZED, "invalid API key")
	if !strings.HasPrefix(raw, keyPrefix) || len(raw) != len(keyPrefix)+48 {
		return nil, unauthorized
	}
	sum := sha256.Sum256([]byte(raw))
	if p, ok := s.keys.get(sum); ok {
		if p.Expired(s.Now()) {
			return nil, Errorf(EUNAUTHORIZED, "API key has expired")
		}
		return p, nil
	}
	var key *APIKey
	err := s.store.View(ctx, func(tx Tx) (err error) {
		key, err = tx.APIKeyByPrefix(ctx, raw[:len(keyPrefix)+16])
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, unauthorized
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(sum[:], key.Hash) != 1 {
		return nil, unauthorized
	}
	p := &Principal{WorkspaceID: key.WorkspaceID, UserID: key.UserID, KeyID: key.ID, Scopes: key.Scopes, Role: key.Role,
		ExpiresAt: key.ExpiresAt, AllowedIPs: key.AllowedIPs}
	if p.Expired(s.Now()) {
		return nil, Errorf(EUNAUTHORIZED, "API key has expired")
	}
	s.keys.put(sum, p)
	return p, nil
}

// NewAPIKeyInput is the input of CreateAPIKey.
type NewAPIKeyInput struct {
	Name   string
	Scopes []Scope
	// UserID is the agent the key acts as; nil means the caller's own agent.
	UserID *ID
	// ExpiresAt is when the key stops working; nil never (roles.go may
	// shorten it).
	ExpiresAt *time.Time
	// AllowedIPs are the addresses (or CIDR prefixes) the key may be used
	// from; none, anywhere.
	AllowedIPs []string
}

// CreateAPIKey creates a key in the principal's workspace. A key may grant
// only scopes its creator holds, so no key can mint a stronger one.
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, in NewAPIKeyInput) (*APIKey, string, error) {
	name := strings.TrimSpace(in.Name)
	if err := checkText("name", name, 1, maxNameLen); err != nil {
		return nil, "", err
	}
	if len(in.Scopes) == 0 {
		return nil, "", Invalid("scopes", KindMissing, "at least one scope is required")
	}
	seen := map[Scope]bool{}
	var scopes []Scope
	for _, sc := range in.Scopes {
		if !ValidScope(sc) {
			return nil, "", Invalid("scopes", KindScope, "unknown scope %q", sc)
		}
		if !p.Can(sc) {
			return nil, "", Errorf(EFORBIDDEN, "cannot grant scope %s: the calling key does not hold it", sc)
		}
		if !seen[sc] {
			seen[sc] = true
			scopes = append(scopes, sc)
		}
	}
	userID := p.UserID
	if in.UserID != nil {
		userID = *in.UserID
	}
	now := s.Now()
	expires, err := keyExpiry(p, in.ExpiresAt, now)
	if err != nil {
		return nil, "", err
	}
	allowed, err := parseAllowedIPs(in.AllowedIPs)
	if err != nil {
		return nil, "", err
	}
	key, raw := newAPIKey(p.WorkspaceID, userID, name, scopes, now)
	key.ExpiresAt = expires
	key.AllowedIPs = allowed
	err = s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.WorkspaceID, ByID(userID))
		if err != nil {
			return err
		}
		if err := checkKeyRole(p, u.Role, scopes); err != nil {
			return err
		}
		key.Role = u.Role
		return tx.CreateAPIKey(ctx, key)
	})
	if err != nil {
		return nil, "", err
	}
	return key, raw, nil
}

// APIKeys lists the workspace's keys in creation order.
func (s *Service) APIKeys(ctx context.Context, p *Principal, page Page) (keys []*APIKey, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		keys, err = tx.APIKeys(ctx, p.WorkspaceID, page)
		return err
	})
	return keys, err
}

// DeleteAPIKey revokes a key: it stops working at once on this node and
// within a second on every other (see keyCacheTTL).
func (s *Service) DeleteAPIKey(ctx context.Context, p *Principal, id ID) error {
	if _, err := keyManager(p, "revoke"); err != nil {
		return err
	}
	err := s.store.Update(ctx, func(tx Tx) error { return tx.DeleteAPIKey(ctx, p.WorkspaceID, id) })
	s.keys.clear()
	return err
}

// ---- users ----------------------------------------------------------------

// NewUser is the input of CreateUser.
type NewUser struct {
	Email string
	Name  string
	Role  Role // "" means agent
	// Profile sets profile fields; unset ones take their defaults (active,
	// permanent).
	Profile UserProfilePatch
}

// UserUpdate changes the given fields of a user.
type UserUpdate struct {
	Email *string
	Name  *string
	Role  *Role
	// Profile changes the given profile fields.
	Profile UserProfilePatch
}

// CreateUser adds an agent to the workspace. ECONFLICT if the email is taken.
func (s *Service) CreateUser(ctx context.Context, p *Principal, in NewUser) (*User, error) {
	now := s.Now()
	u := &User{ID: NewID(), WorkspaceID: p.WorkspaceID, Role: in.Role, Name: strings.TrimSpace(in.Name), CreatedAt: now, UpdatedAt: now,
		IsActive: true, EmployeeType: EmployeePermanent}
	if u.Role == "" {
		u.Role = RoleAgent
	}
	in.Profile.apply(u)
	if err := validateUserProfile(u); err != nil {
		return nil, err
	}
	var err error
	if u.Email, err = normalizeEmail("email", in.Email, true); err != nil {
		return nil, err
	}
	if err := validateUser(u); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return s.emit(ctx, tx, userEvent(EventUserCreated, u)...)
	})
	return u, conflictMessage(err, "a user with this email exists already")
}

func validateUser(u *User) error {
	if err := checkOneLine("name", u.Name); err != nil {
		return err
	}
	if err := checkTexts(textField{"name", u.Name, 1, maxNameLen}, textField{"email", u.Email, 1, maxHeaderLen}); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return Invalid("role", KindEnum, "must be one of admin, read_only_admin, agent, read_only_agent")
	}
	return nil
}

// User returns one agent of the workspace.
func (s *Service) User(ctx context.Context, p *Principal, ref Ref) (u *User, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		u, err = tx.User(ctx, p.WorkspaceID, ref)
		return err
	})
	return u, err
}

// Users lists the workspace's agents in creation order.
func (s *Service) Users(ctx context.Context, p *Principal, page Page) (us []*User, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		us, err = tx.Users(ctx, p.WorkspaceID, page)
		return err
	})
	return us, err
}

// UpdateUser changes the given fields of an agent.
func (s *Service) UpdateUser(ctx context.Context, p *Principal, id ID, in UserUpdate) (*User, error) {
	var u *User
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		// Locked: the user is validated as the patch leaves it.
		if u, err = tx.UserForUpdate(ctx, p.WorkspaceID, ByID(id)); err != nil {
			return err
		}
		patch := UserPatch{UpdatedAt: s.Now()}
		if in.Email != nil {
			email, err := normalizeEmail("email", *in.Email, true)
			if err != nil {
				return err
			}
			patch.Email = SetTo(email)
		}
		if in.Name != nil {
			patch.Name = SetTo(strings.TrimSpace(*in.Name))
		}
		if in.Role != nil {
			patch.Role = SetTo(*in.Role)
		}
		patch.Apply(u)
		if err := validateUser(u); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, u.WorkspaceID, u.ID, patch); err != nil {
			return err
		}
		if err := patchUserProfile(ctx, tx, u, in.Profile); err != nil {
			return err
		}
		return s.emit(ctx, tx, userEvent(EventUserUpdated, u)...)
	})
	if in.Profile.IsActive != nil {
		// Whether the agent's keys work changed (APIKeyByPrefix): forget
		// the keys this node verified, as a revocation does.
		s.keys.clear()
	}
	return u, conflictMessage(err, "a user with this email exists already")
}

// ---- customers ------------------------------------------------------------

// NewCustomer is the input of CreateCustomer and EnsureCustomer.
type NewCustomer struct {
	Email     string
	Phone     string
	FirstName string
	LastName  string
	Profile   CustomerProfile
}

// CustomerUpdate changes the given fields of a customer.
type CustomerUpdate struct {
	Email     *string
	Phone     *string
	FirstName *string
	LastName  *string
	// Profile, when set, changes the profile in the same transaction.
	Profile *ProfileUpdate
}

func (s *Service) newCustomer(p *Principal, in NewCustomer) (*Customer, error) {
	now := s.Now()
	c := &Customer{
		ID: NewID(), WorkspaceID: p.WorkspaceID, Phone: strings.TrimSpace(in.Phone),
		FirstName: strings.TrimSpace(in.FirstName), LastName: strings.TrimSpace(in.LastName),
		Profile: trimProfile(in.Profile), CreatedAt: now, UpdatedAt: now,
	}
	var err error
	if c.Email, err = normalizeEmail("email", in.Email, false); err != nil {
		return nil, err
	}
	if err := validateProfile(&c.Profile); err != nil {
		return nil, err
	}
	return c, validateCustomer(c)
}

func validateCustomer(c *Customer) error {
	for _, f := range []struct{ name, v string }{{"first_name", c.FirstName}, {"last_name", c.LastName}} {
		if err := checkOneLine(f.name, f.v); err != nil {
			return err
		}
	}
	if c.Email == "" && c.Phone == "" {
		return Invalid("email", KindMissing, "an email address or a phone number is required")
	}
	return checkTexts(
		textField{"email", c.Email, 0, maxHeaderLen},
		textField{"first_name", c.FirstName, 0, maxNameLen},
		textField{"last_name", c.LastName, 0, maxNameLen},
		textField{"phone", c.Phone, 0, maxNameLen},
	)
}

// CreateCustomer adds a customer. ECONFLICT if a customer of the workspace
// has the same email address.
func (s *Service) CreateCustomer(ctx context.Context, p *Principal, in NewCustomer) (*Customer, error) {
	c, err := s.newCustomer(p, in)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return err
		}
		return s.emit(ctx, tx, customerCreated(c)...)
	})
	return c, conflictMessage(err, "a customer with this email exists already")
}

// EnsureCustomer returns the workspace's customer with the given email (or,
// without an email, phone number), creating it if there is none. created
// says which happened.
func (s *Service) EnsureCustomer(ctx context.Context, p *Principal, in NewCustomer) (c *Customer, created bool, err error) {
	fresh, err := s.newCustomer(p, in)
	if err != nil {
		return nil, false, err
	}
	// Two nodes ensuring the same new customer at once both find none;
	// the unique index lets one create it, and the other, on its second
	// attempt, finds what the first created.
	for attempt := 1; ; attempt++ {
		err = s.store.Update(ctx, func(tx Tx) (err error) {
			c, created, err = s.ensureCustomer(ctx, tx, p, fresh)
			return err
		})
		if ErrorCode(err) != ECONFLICT || attempt == 2 {
			return c, created, err
		}
	}
}

// ensureCustomer is EnsureCustomer's work in tx: it finds the customer
// with fresh's email (or phone), or else creates fresh, built by
// newCustomer. ECONFLICT if another transaction created that customer
// meanwhile: the caller tries again in a new transaction.
func (s *Service) ensureCustomer(ctx context.Context, tx Tx, p *Principal, fresh *Customer) (*Customer, bool, error) {
	var c *Customer
	var err error
	if fresh.Email != "" {
		c, err = tx.CustomerByEmail(ctx, p.WorkspaceID, fresh.Email)
	} else {
		c, err = tx.CustomerByPhone(ctx, p.WorkspaceID, fresh.Phone)
	}
	if ErrorCode(err) != ENOTFOUND {
		return c, false, err
	}
	if err := tx.CreateCustomer(ctx, fresh); err != nil {
		return nil, false, err
	}
	return fresh, true, s.emit(ctx, tx, customerCreated(fresh)...)
}

// Customer returns one customer of the workspace.
func (s *Service) Customer(ctx context.Context, p *Principal, ref Ref) (c *Customer, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		c, err = tx.Customer(ctx, p.WorkspaceID, ref)
		return err
	})
	return c, err
}

// Customers lists the workspace's customers in creation order.
func (s *Service) Customers(ctx context.Context, p *Principal, page Page) (cs []*Customer, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		cs, err = tx.Customers(ctx, p.WorkspaceID, page)
		return err
	})
	return cs, err
}

// UpdateCustomer changes the given fields of a customer.
func (s *Service) UpdateCustomer(ctx context.Context, p *Principal, id ID, in CustomerUpdate) (*Customer, error) {
	var c *Customer
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		// Locked: "an email or a phone number" is checked on the customer
		// as the patch leaves it, which a concurrent PATCH must not change.
		if c, err = tx.CustomerForUpdate(ctx, p.WorkspaceID, ByID(id)); err != nil {
			return err
		}
		before := *c
		patch := CustomerPatch{UpdatedAt: s.Now()}
		if in.Email != nil {
			email, err := normalizeEmail("email", *in.Email, false)
			if err != nil {
				return err
			}
			patch.Email = SetTo(email)
		}
		patch.Phone, patch.FirstName, patch.LastName = trimmed(in.Phone), trimmed(in.FirstName), trimmed(in.LastName)
		patch.Apply(c)
		if err := validateCustomer(c); err != nil {
			return err
		}
		if err := tx.UpdateCustomer(ctx, c.WorkspaceID, c.ID, patch); err != nil {
			return err
		}
		if in.Profile != nil {
			// The row is locked: the profile is merged into what it is now.
			if err := updateProfile(ctx, tx, c, *in.Profile, s.Now()); err != nil {
				return err
			}
		}
		return s.emit(ctx, tx, customerChanged(&before, c)...)
	})
	if ErrorCode(err) == ECONFLICT && in.Profile != nil && len(in.Profile.Identities) > 0 {
		return nil, conflictMessage(err, "another customer has this external id")
	}
	return c, conflictMessage(err, "a customer with this email exists already")
}

// ---- helpers --------------------------------------------------------------

// trimmed is a patch field for an optional input, trimmed.
func trimmed(v *string) Set[string] {
	if v == nil {
		return Set[string]{}
	}
	return SetTo(strings.TrimSpace(*v))
}

// checkText validates a text field's length in characters.
func checkText(field, v string, minLen, maxLen int) error {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		return Invalid(field, KindText, "must be valid UTF-8")
	case strings.ContainsRune(v, 0):
		// PostgreSQL cannot store NUL in text, and no person types one.
		return Invalid(field, KindText, "must not contain NUL characters")
	case n < minLen && minLen == 1:
		return Invalid(field, KindMissing, "must not be empty")
	case n < minLen:
		return Invalid(field, KindTooShort, "must be at least %d characters", minLen)
	case n > maxLen:
		return Invalid(field, KindTooLong, "must be at most %d characters", maxLen)
	}
	return nil
}

// normalizeEmail checks that v is one bare email address and lower-cases it:
// helpdesks match customers by address, and mail systems treat addresses
// case-insensitively in practice.
func normalizeEmail(field, v string, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			return "", Invalid(field, KindMissing, "field required")
		}
		return "", nil
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || len(v) > 254 {
		return "", Invalid(field, KindEmail, "not a valid email address")
	}
	if err := checkText(field, v, 1, 254); err != nil {
		return "", err
	}
	return strings.ToLower(v), nil
}

// conflictMessage gives a store's ECONFLICT a message a caller understands.
func conflictMessage(err error, msg string) error {
	if ErrorCode(err) == ECONFLICT {
		return &Error{Code: ECONFLICT, Message: msg}
	}
	return err
}
