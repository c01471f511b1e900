package ticketd_test

import (
	"context"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// API keys are verified from a cache, and a revoked key still stops working
// at once on the node that revoked it and within a second on every other
// node of the same database.
func TestRevokedKeyStopsWorkingOnEveryNodeWithinASecond(t *testing.T) {
	ctx := context.Background()
	dsn := sqlstoretest.CopyDSN(t)
	nodeA := ticketd.NewService(sqlstoretest.OpenDSN(t, dsn))
	nodeB := ticketd.NewService(sqlstoretest.OpenDSN(t, dsn))
	clock := &fakeClock{t: time.Now()}
	ticketd.SetKeyCacheClock(nodeA, clock.Now)
	ticketd.SetKeyCacheClock(nodeB, clock.Now)
	_, _, owner, err := nodeA.CreateWorkspace(ctx, ticketd.NewWorkspace{Name: "Acme", OwnerEmail: "owner@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := nodeA.Authenticate(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		revoker  *ticketd.Service
		afterFor time.Duration // how long nodeA may still accept the key
	}{
		{"revoked on this node", nodeA, 0},
		{"revoked on another node", nodeB, 999 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, raw, err := nodeA.CreateAPIKey(ctx, p, ticketd.NewAPIKeyInput{Name: "k", Scopes: []ticketd.Scope{"tickets:read"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []*ticketd.Service{nodeA, nodeB} {
				if _, err := n.Authenticate(ctx, raw); err != nil { // both nodes cache it
					t.Fatal(err)
				}
			}
			if err := tc.revoker.DeleteAPIKey(ctx, p, k.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := tc.revoker.Authenticate(ctx, raw); ticketd.ErrorCode(err) != ticketd.EUNAUTHORIZED {
				t.Fatalf("the revoking node still accepts the key: %v", err)
			}
			clock.Add(tc.afterFor)
			_, err = nodeA.Authenticate(ctx, raw)
			if tc.afterFor > 0 && err != nil {
				t.Fatalf("within the cache's second: %v (the cache is not used?)", err)
			}
			clock.Add(time.Second - tc.afterFor)
			if _, err := nodeA.Authenticate(ctx, raw); ticketd.ErrorCode(err) != ticketd.EUNAUTHORIZED {
				t.Fatalf("a second after revocation nodeA still accepts the key: %v", err)
			}
		})
	}
}
