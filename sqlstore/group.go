package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	ticketd "github.com/ticketd/ticketd"
)

// Group commit (SQLite). SQLite has one writer, so concurrent write
// transactions queue for it anyway, and each pays for its own BEGIN and
// COMMIT (the commit writes every page it touched to the WAL, which
// profiling showed to be a third of posting a comment). The group committer
// runs the transactions that are waiting when the writer comes free as one
// SQLite transaction, so that one that fails is rolled back alone and the
// others are untouched, as if each had run by itself, in turn (see group for
// how, without a savepoint per member while none fails). One COMMIT then
// makes the whole group durable, and only
// after that COMMIT returns does any member's Update return nil: nothing is
// acknowledged before it is committed, exactly as without grouping.
//
// Members of a group see the writes of the members before them, which is
// what running them one after the other would have shown. If SQLite rolls
// the whole transaction back (an interrupted statement can do that), the
// members that had succeeded are told errGroupAborted, which Update retries:
// the domain's contract lets fn run again.

// maxGroup bounds how many transactions one commit carries, so that one
// group cannot hold the writer for long.
const maxGroup = 64

// errGroupAborted reports that a member's work was undone with its group's
// transaction; running it again is safe and expected.
var errGroupAborted = errors.New("group commit aborted; the transaction can run again")

type groupReq struct {
	ctx  context.Context
	fn   func(ticketd.Tx) error
	done chan error
}

type groupCommitter struct {
	db   *DB
	reqs chan *groupReq
	quit chan struct{}
	wg   sync.WaitGroup

	closeOnce sync.Once

	mu              sync.Mutex
	commits, groups int // for tests: how many commits carried how many members
}

func newGroupCommitter(db *DB) *groupCommitter {
	g := &groupCommitter{db: db, reqs: make(chan *groupReq, 1024), quit: make(chan struct{})}
	g.wg.Add(1)
	go g.run()
	return g
}

// do runs fn in the next group and returns its outcome once the group's
// commit is done (or fn failed). It never returns while fn may still run.
func (g *groupCommitter) do(ctx context.Context, fn func(ticketd.Tx) error) error {
	r := &groupReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return errors.New("database closed")
	}
	return <-r.done
}

func (g *groupCommitter) close() {
	g.closeOnce.Do(func() { close(g.quit) })
	g.wg.Wait()
}

func (g *groupCommitter) run() {
	defer g.wg.Done()
	for {
		select {
		case <-g.quit:
			// Answer what is still queued rather than leave it waiting.
			for {
				select {
				case r := <-g.reqs:
					r.done <- errors.New("database closed")
				default:
					return
				}
			}
		case r := <-g.reqs:
			g.group(r)
		}
	}
}

// group runs first and whatever else queues up meanwhile (up to maxGroup)
// in one transaction.
//
// Members first run one after the other with no savepoint between them: a
// savepoint per member made SQLite's full-text index flush its pending
// terms at every RELEASE and journal again every page a member touched (a
// fifth of posting a comment, in a profile). When a member fails, nothing
// can undo its writes alone, so the transaction is rolled back and the
// failed member told its error — its writes undone, as if it had run alone
// — and the group runs again from the start without it, each member now in
// a savepoint of its own (the members before it run a second time, which
// the domain's contract allows). A group thus costs at most two runs however
// many of its members fail, and members that fail cannot make others fail.
func (g *groupCommitter) group(first *groupReq) {
	members := []*groupReq{first}
	for savepoints := false; len(members) > 0; savepoints = true {
		members = g.attempt(members, savepoints)
	}
}

// attempt runs members, and whatever queues up meanwhile, in one
// transaction, each in a savepoint of its own or (savepoints false) with
// none. Without savepoints, the first member that fails ends the attempt:
// it is answered, and the members to run again are returned. Otherwise
// every member is answered and attempt returns nil.
func (g *groupCommitter) attempt(members []*groupReq, savepoints bool) []*groupReq {
	sqlTx, err := g.db.write.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range members {
			r.done <- fmt.Errorf("begin: %w", g.db.dialect.normalize(err))
		}
		return nil
	}
	tx := g.db.newTx(sqlTx, g.db.writeStmts)
	// Prepare what ran unprepared before answering (it happens once per
	// query), so a caller that is told its write committed finds the
	// statement cache as warm as without grouping.
	warm := func() {
		if tx.missed {
			g.db.writeStmts.warm(context.Background())
		}
	}
	results := make([]error, 0, maxGroup)
	var aborted error
	for i := 0; ; i++ {
		r := members[i]
		var err error
		switch {
		case savepoints:
			err = g.member(tx, r, &aborted)
		case r.ctx.Err() != nil:
			err = r.ctx.Err() // the caller gave up while queued: nothing ran
		default:
			if err = r.fn(tx); err != nil {
				sqlTx.Rollback()
				warm()
				g.mu.Lock()
				g.groups++ // decided in the group, though not by its commit
				g.mu.Unlock()
				r.done <- err
				return append(members[:i:i], members[i+1:]...)
			}
		}
		results = append(results, err)
		if aborted != nil {
			break
		}
		if i+1 < len(members) {
			continue
		}
		if len(members) == maxGroup {
			break
		}
		select {
		case next := <-g.reqs:
			members = append(members, next)
			continue
		default:
		}
		break
	}
	var commitErr error
	if aborted != nil {
		sqlTx.Rollback()
	} else if err := sqlTx.Commit(); err != nil {
		commitErr = fmt.Errorf("commit: %w", g.db.dialect.normalize(err))
	}
	g.mu.Lock()
	g.commits++
	g.groups += len(members)
	g.mu.Unlock()
	warm()
	for i, r := range members {
		var err error
		switch {
		case i >= len(results):
			err = errGroupAborted // never ran
		case results[i] != nil:
			err = results[i]
		case aborted != nil:
			err = errGroupAborted
		default:
			err = commitErr
		}
		r.done <- err
	}
	return nil
}

// member runs one member's fn inside its own savepoint. If the savepoint
// itself cannot be set or undone, the transaction is gone: *aborted is set
// and the group ends.
func (g *groupCommitter) member(tx *Tx, r *groupReq, aborted *error) error {
	if err := r.ctx.Err(); err != nil {
		return err // the caller gave up while queued: nothing ran
	}
	// Through the statement cache: prepared once, like every query.
	bg := context.Background()
	if _, err := tx.exec(bg, "SAVEPOINT member"); err != nil {
		*aborted = err
		return errGroupAborted
	}
	err := r.fn(tx)
	if err != nil {
		if _, rbErr := tx.exec(bg, "ROLLBACK TO member"); rbErr != nil {
			*aborted = rbErr
			return err
		}
	}
	if _, relErr := tx.exec(bg, "RELEASE member"); relErr != nil {
		*aborted = relErr
		if err == nil {
			return errGroupAborted
		}
	}
	return err
}

// GroupStats reports how many commits the group committer made and how
// many transactions they carried (0, 0 without group commit).
func (db *DB) GroupStats() (commits, transactions int) {
	if db.group == nil {
		return 0, 0
	}
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return db.group.commits, db.group.groups
}
