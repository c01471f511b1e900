package sqlstore_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/sqlstore/sqlstoretest"
)

// Requests cancelled by their clients at random moments (as the benchmark
// harness ends a run, 32 at once) must not fail the requests whose clients
// are still there. On PostgreSQL a request cancelled at commit can return
// its connection to the pool inside its transaction; database/sql then gave
// a later transaction three such connections and failed it with "driver:
// bad connection", a 500 (sqlstore.begin). Three readers of four cancel
// their reads at random; the fourth's reads all succeed. Without begin's
// second asking, some of the 600 failed in every run.
func TestCancelledRequestsDoNotFailOthers(t *testing.T) {
	if sqlstoretest.Engine() != "postgres" {
		t.Skip("SQLite's driver hands out no connection left inside a transaction")
	}
	db := sqlstoretest.Open(t)
	db.SetMaxConns(4)
	ws := ticketd.NewID()
	read := func(c context.Context) error {
		return db.View(c, func(tx ticketd.Tx) error {
			_, err := tx.Ticket(c, ws, ticketd.ByNumber(1))
			if ticketd.ErrorCode(err) == ticketd.ENOTFOUND {
				return nil
			}
			return err
		})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for i := range 16 {
		wg.Add(1)
		go func(live bool) {
			defer wg.Done()
			for range 150 {
				c, cancel := context.WithCancel(ctx)
				if !live {
					time.AfterFunc(time.Duration(rand.IntN(3000))*time.Microsecond, cancel)
				}
				err := read(c)
				cancel()
				if live && err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		}(i%4 == 0)
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d reads of clients still there failed, the first: %v", len(failed), failed[0])
	}
}
