package sqlstore

import (
	"context"
	"fmt"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// bulkRows is how many rows one INSERT of BulkLoad writes on PostgreSQL:
// 15,500 bound values at 31 columns, under its limit of 65,535.
const bulkRows = 500

// BulkLoad inserts tickets, then messages, in one write transaction, many
// rows a statement. It is the seeding path of the benchmark's scale runs (a
// million messages: one INSERT a row is a round trip to PostgreSQL each),
// not a use case: it stores the objects exactly
// as given, counters included, and checks nothing the domain would. Each
// ticket's number is read back; messages' numbers are not (they are
// assigned in the order given, so a ticket's conversation is numbered in
// slice order).
func (db *DB) BulkLoad(ctx context.Context, tickets []*ticketd.Ticket, messages []*ticketd.Message) error {
	return db.Update(ctx, func(tx ticketd.Tx) error {
		t, ok := tx.(*Tx)
		if !ok {
			return fmt.Errorf("bulk load: not a sqlstore transaction: %T", tx)
		}
		if t.d.name() != "postgres" {
			return t.loadOneByOne(ctx, tickets, messages)
		}
		byID := make(map[string]*ticketd.Ticket, len(tickets))
		for _, tk := range tickets {
			byID[idArg(tk.ID)] = tk
		}
		err := bulkInsert(ctx, t, "tickets", ticketInsertColumns, 31, tickets, ticketArgs, func(id string, number int64) {
			byID[id].Number = number
		})
		if err != nil {
			return err
		}
		return bulkInsert(ctx, t, "messages", messageInsertColumns, 29, messages, messageArgs, nil)
	})
}

// loadOneByOne is BulkLoad on SQLite: one prepared INSERT a row costs
// SQLite no round trip, and a statement of thousands of $N parameters is
// slow to bind there (18,000 messages took minutes 500 a statement).
func (t *Tx) loadOneByOne(ctx context.Context, tickets []*ticketd.Ticket, messages []*ticketd.Message) error {
	for _, tk := range tickets {
		if err := t.CreateTicket(ctx, tk); err != nil {
			return err
		}
	}
	for _, m := range messages {
		if err := t.CreateMessage(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// bulkInsert writes rows into table bulkRows at a time. With got set, it
// reads back each row's id and number. The statements run unprepared (the
// last one of a load has its own length), outside the store's statement
// cache, whose size the code's constant queries bound.
func bulkInsert[T any](ctx context.Context, t *Tx, table, columns string, width int, rows []*T, args func(*T) []any,
	got func(id string, number int64)) error {
	for start := 0; start < len(rows); start += bulkRows {
		batch := rows[start:min(start+bulkRows, len(rows))]
		q := `INSERT INTO ` + table + ` (` + columns + `) VALUES ` + valuesLists(width, len(batch))
		vals := make([]any, 0, width*len(batch))
		for _, r := range batch {
			vals = append(vals, args(r)...)
		}
		if got == nil {
			if _, err := t.tx.ExecContext(ctx, q, vals...); err != nil {
				return fmt.Errorf("bulk insert into %s: %w", table, t.d.normalize(err))
			}
			continue
		}
		res, err := t.tx.QueryContext(ctx, q+` RETURNING id, number`, vals...)
		if err != nil {
			return fmt.Errorf("bulk insert into %s: %w", table, t.d.normalize(err))
		}
		for res.Next() {
			var id string
			var number int64
			if err := res.Scan(&id, &number); err != nil {
				res.Close()
				return err
			}
			got(id, number)
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// valuesLists returns the VALUES lists of rows rows of width columns:
// ($1, $2), ($3, $4) for width 2 and rows 2.
func valuesLists(width, rows int) string {
	var b strings.Builder
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range width {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", n)
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}
