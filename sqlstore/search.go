package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

// Search reads three full-text indexes, each a source of matches: the
// ticket's own text (subject and description), message bodies (notes only
// for an audience that reads them) and customers (name and email). Each
// source yields its newest matches first and stops after a bounded number,
// which is what keeps a word found in every message as cheap as a rare one;
// the tickets are then filtered, ranked and read. Both engines compute the
// same candidates, so a search means the same on either.
//
// SQLite's FTS5 walks a word's rowids newest first and stops at the LIMIT.
// PostgreSQL's GIN index yields its matches unordered, so a source there is
// two branches of one UNION ALL under a LIMIT (pgNewest): the newest rows
// walked in order and tested one by one, then — only when they held too
// few matches — the GIN index for the older rows. The first branch is what
// a common word needs, the second what a rare word needs (tickets and
// customers). Messages, a million rows and more, are read from a narrow
// copy whose vectors also name each message's slice of numbers, in steps
// sized by the word's density (pgMessageHits), so that a word of middling
// frequency reads from the heap only about the matches it returns
// (docs/performance.md, "Search" and "PostgreSQL search at 1,000,000
// messages (session 18)").

const (
	// searchCandidates bounds the matches each source contributes to a
	// ranking, newest first.
	searchCandidates = 100
	// searchDepth bounds the matches each source reads when filters may
	// reject some, and the matches a ticket list's search selects from.
	searchDepth = 500
)

// pgProbe is how many of a table's newest rows PostgreSQL walks before it
// turns to the GIN index: about the square root of the candidates times the
// table's size at a million rows, where the walk and the GIN read of what
// remains cost about the same.
var pgProbe = map[string]int{"tickets": 3000, "customers": 2000}

// searchHits are the matches of each source, newest first: ticket ids,
// repeated in messages for each matching message.
type searchHits struct {
	text, messages, customers []string
}

func (h *searchHits) ids() []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range [][]string{h.text, h.messages, h.customers} {
		for _, id := range l {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// Search ranks the tickets that match q and pass its filters: each source
// contributes its searchCandidates newest matches that pass the filters
// (among its searchDepth newest); a ticket scores 3 for its own text, 1 per
// matching message and 1 for its customer; ties go to the newer ticket.
func (t *Tx) Search(ctx context.Context, ws ticketd.ID, q ticketd.SearchQuery) ([]*ticketd.Ticket, error) {
	if len(q.Terms) == 0 {
		return []*ticketd.Ticket{}, nil
	}
	// Which candidates pass the filters, and their numbers for the ties.
	// Filters may reject candidates, so a filtered search reads deeper.
	args := []any{idArg(ws), nil}
	conds := viewConditions(q.Filter, &args)
	depth := searchCandidates
	if conds != "" {
		depth = searchDepth
	}
	hits, err := t.searchHits(ctx, ws, q.TextMatch, depth)
	if err != nil {
		return nil, err
	}
	ids := hits.ids()
	if len(ids) == 0 {
		return []*ticketd.Ticket{}, nil
	}
	args[1] = t.idList(ids)
	from, cond := t.fromIDList("$2", "t")
	rows, err := t.query(ctx, `SELECT t.id, t.number FROM `+from+` WHERE t.workspace_id = $1`+whereIDs(cond)+conds, args...)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	number := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		number[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	score := map[string]int{}
	for _, src := range []struct {
		ids    []string
		points int
	}{{hits.text, 3}, {hits.messages, 1}, {hits.customers, 1}} {
		kept := 0
		for _, id := range src.ids {
			if _, ok := number[id]; ok && kept < searchCandidates {
				score[id] += src.points
				kept++
			}
		}
	}
	ranked := make([]string, 0, len(score))
	for id := range score {
		ranked = append(ranked, id)
	}
	slices.SortFunc(ranked, func(a, b string) int {
		if score[a] != score[b] {
			return score[b] - score[a]
		}
		return int(number[b] - number[a])
	})
	if q.Limit > 0 && len(ranked) > q.Limit {
		ranked = ranked[:q.Limit]
	}
	from, cond = t.fromIDList("$2", "t")
	rows, err = t.query(ctx, `SELECT `+t.cols(ticketCols)+` FROM `+from+` WHERE t.workspace_id = $1`+whereIDs(cond),
		idArg(ws), t.idList(ranked))
	if err != nil {
		return nil, t.d.normalize(err)
	}
	ts, err := collect(rows, scanTicket)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ranked))
	for i, id := range ranked {
		at[id] = i
	}
	slices.SortFunc(ts, func(a, b *ticketd.Ticket) int { return at[a.ID.String()] - at[b.ID.String()] })
	return ts, nil
}

// searchIDs is the set of tickets a ticket list's search selects: those
// among each source's searchDepth newest matches.
func (t *Tx) searchIDs(ctx context.Context, ws ticketd.ID, m ticketd.TextMatch) ([]string, error) {
	hits, err := t.searchHits(ctx, ws, m, searchDepth)
	if err != nil {
		return nil, err
	}
	return hits.ids(), nil
}

// searchHits reads each source's newest matches, at most depth each.
func (t *Tx) searchHits(ctx context.Context, ws ticketd.ID, m ticketd.TextMatch, depth int) (*searchHits, error) {
	var h searchHits
	q := searchSQL[t.d.name()]
	args := []any{idArg(ws), t.matchArg(m), depth}
	if err := t.readHits(ctx, &h.text, depth, false, q.text, args); err != nil {
		return nil, err
	}
	msgArgs := append(args[:len(args):len(args)], m.IncludeInternal)
	var err error
	if t.d.name() == "postgres" {
		err = t.pgMessageHits(ctx, &h.messages, depth, msgArgs)
	} else {
		err = t.readHits(ctx, &h.messages, depth, false, q.messages, msgArgs)
	}
	if err != nil {
		return nil, err
	}
	// A customer's row is a JSON array of their tickets' ids.
	if err := t.readHits(ctx, &h.customers, depth, true, q.customers, args); err != nil {
		return nil, err
	}
	return &h, nil
}

// searchSQL holds each engine's search statements, built once. PostgreSQL
// reads messages in slices (pgMessageHits), with statements of its own.
var searchSQL = map[string]struct{ text, messages, customers string }{
	"sqlite":   {searchTextQuery("sqlite"), searchMessagesSQLite, searchCustomersQuery("sqlite")},
	"postgres": {searchTextQuery("postgres"), "", searchCustomersQuery("postgres")},
}

// pgWalk is how many of the newest messages PostgreSQL walks in order,
// testing each: what a common word needs, and an estimate of how common the
// word is (see pgMessageHits). A variable for the tests, which make it
// small to reach the slices with few messages.
var pgWalk int64 = 2000

// pgSliceBits names a message's slice in its vector: the lexeme "_" and
// number >> pgSliceBits (migration 0150), 8192 numbers a slice.
const pgSliceBits = 13

// pgSliceReads bounds the ranges read by slices before the rest is read by
// the words alone.
const pgSliceReads = 3

// pgMaxSlices bounds the slices one query names; a wider range is read by
// the words alone (a word that rare has few matches in all).
const pgMaxSlices = 64

// pgMessageHits is the PostgreSQL messages source; args are those of
// searchMessagesQuery. It reads message_search, the narrow copy of the
// messages that a search needs (migration 0150). GIN yields matches
// unordered, and each match costs a heap read, so the matches read must be
// few:
//
//  1. the newest pgWalk rows are walked in order and tested one by one
//     (ts_match_vq, which no index serves): a common word ends here;
//  2. from the matches found so far, the density of the word gives the
//     width of the range below that should hold the rest (and a quarter
//     more); the index is asked for the words and one of the range's
//     slices, so only the matches inside it are read from the heap (a word
//     of middling frequency ends here, or after one or two more ranges
//     sized by the density the first one measured);
//  3. whatever is still missing comes from the GIN index alone over the
//     older rows: for a word too rare to be seen in the walk, its few
//     matches.
//
// Adding 0 to the number keeps the planner from walking the primary key
// for steps 2 and 3, which for a rare word would read every row.
func (t *Tx) pgMessageHits(ctx context.Context, dst *[]string, depth int, args []any) error {
	var hi int64
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(number), 0) FROM message_search`).Scan(&hi); err != nil {
		return t.d.normalize(err)
	}
	const cols = `SELECT ticket_id FROM message_search x WHERE x.workspace_id = $1 AND ($4 OR x.internal = FALSE)`
	read := func(q string, bounds ...any) error {
		return t.readHits(ctx, dst, depth, false, q, append([]any{args[0], args[1], depth - len(*dst), args[3]}, bounds...))
	}
	if err := read(cols+` AND x.number > $5 AND ts_match_vq(x.search_vector, to_tsquery('simple', $2))
		ORDER BY x.number DESC LIMIT $3`, hi-pgWalk); err != nil {
		return err
	}
	// covered is how many of the newest rows have been read, top the
	// number below which the rest lie.
	covered, top := pgWalk, hi-pgWalk
	for range pgSliceReads {
		found := int64(len(*dst))
		if found >= int64(depth) || top <= 0 {
			return nil
		}
		if found < 3 {
			break // too rare to estimate: the word's few matches, by GIN alone
		}
		// A quarter more than the width at which the density seen so far
		// would yield the rest.
		width := max(5*(int64(depth)-found)*covered/(4*found), 1<<pgSliceBits)
		lo := top - width
		if lo <= 0 || width>>pgSliceBits >= pgMaxSlices {
			break // so few matches below that all of them cost less
		}
		if err := read(cols+` AND x.search_vector @@ (to_tsquery('simple', $2) && $5::tsquery)
			AND x.number + 0 > $6 AND x.number + 0 <= $7 ORDER BY x.number + 0 DESC LIMIT $3`,
			pgSlices(lo+1, top), lo, top); err != nil {
			return err
		}
		covered, top = covered+width, lo
	}
	if len(*dst) >= depth || top <= 0 {
		return nil
	}
	return read(cols+` AND x.search_vector @@ to_tsquery('simple', $2) AND x.number + 0 <= $5
		ORDER BY x.number + 0 DESC LIMIT $3`, top)
}

// pgSlices is the tsquery that matches the messages of the slices holding
// numbers lo to hi: "'_12' | '_13'".
func pgSlices(lo, hi int64) string {
	var b strings.Builder
	for s := lo >> pgSliceBits; s <= hi>>pgSliceBits; s++ {
		if b.Len() > 0 {
			b.WriteString(" | ")
		}
		fmt.Fprintf(&b, "'_%d'", s)
	}
	return b.String()
}

// readHits appends the ids query yields to dst, stopping at depth; with
// list, a row is a JSON array of ids.
func (t *Tx) readHits(ctx context.Context, dst *[]string, depth int, list bool, query string, args []any) error {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return t.d.normalize(err)
	}
	defer rows.Close()
	for rows.Next() && len(*dst) < depth {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !list {
			*dst = append(*dst, v)
			continue
		}
		var ids []string
		if err := json.Unmarshal([]byte(v), &ids); err != nil {
			return fmt.Errorf("search: %w", err)
		}
		*dst = append(*dst, ids[:min(len(ids), depth-len(*dst))]...)
	}
	return rows.Err()
}

// matchArg renders the terms in the engine's query syntax. The terms are
// letters and digits only (ticketd.SearchTerms), so nothing in them is
// syntax; every term must match, the last as a prefix when asked.
func (t *Tx) matchArg(m ticketd.TextMatch) string {
	parts := make([]string, len(m.Terms))
	last := len(m.Terms) - 1
	for i, term := range m.Terms {
		if t.d.name() == "postgres" {
			parts[i] = term
			if m.Prefix && i == last {
				parts[i] += ":*"
			}
			continue
		}
		parts[i] = `"` + term + `"`
		if m.Prefix && i == last {
			parts[i] += "*"
		}
	}
	if t.d.name() == "postgres" {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " ")
}

// idList passes a list of ids as one argument: a text[] on
// PostgreSQL, a JSON array on SQLite, so that the statement text is one
// constant whatever the list's length.
func (t *Tx) idList(ids []string) any {
	if t.d.name() == "postgres" {
		return ids
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// fromIDList restricts a ticket query to the ids of param: a FROM clause of
// tickets as alias and a condition (or none). Read by id, a list of a few
// thousand candidates is read and sorted, where an index of the workspace
// would be walked until it had met them all (SQLite's choice for an IN over
// json_each, seen at 400 ms over 100,000 tickets). SQLite needs the join for
// it (CROSS JOIN fixes its order; the subquery names one column, as
// json_each has an "id" of its own).
func (t *Tx) fromIDList(param, alias string) (from, cond string) {
	if t.d.name() == "postgres" {
		return "tickets " + alias, alias + ".id = ANY(" + param + "::text[])"
	}
	return "(SELECT value AS search_id FROM json_each(" + param + ")) sel CROSS JOIN tickets " + alias +
		" ON " + alias + ".id = sel.search_id", ""
}

// whereIDs joins a condition from fromIDList to the others.
func whereIDs(cond string) string {
	if cond == "" {
		return ""
	}
	return " AND " + cond
}

// pgNewest is a PostgreSQL source: the newest matches of table (alias x)
// in workspace $1 for the tsquery $2, at most $3, newest first; extra is
// more conditions. The first branch walks the newest pgProbe[table] rows in
// order and tests each with ts_match_vq, which no index serves, so the
// planner cannot trade the walk for a GIN read; the second, which runs only
// when the first returned fewer than $3 rows, reads the GIN index for the
// older rows (adding 0 to the number, and an empty text to the workspace,
// keep the planner from walking the primary key or the workspace's index
// instead, which for a rare word would read every row). The older rows sort after the newer, so
// the branches concatenate in order: PostgreSQL runs an Append's branches
// one after the other, and none once the LIMIT above it is met.
func pgNewest(table, cols, extra string) string {
	inner := prefixed("x.", cols)
	probe := pgProbe[table]
	return fmt.Sprintf(`SELECT %[1]s FROM (
		(SELECT %[2]s FROM %[3]s x WHERE x.workspace_id = $1%[4]s AND x.number > (SELECT MAX(number) FROM %[3]s) - %[5]d
			AND ts_match_vq(x.search_vector, to_tsquery('simple', $2)) ORDER BY x.number DESC LIMIT $3)
		UNION ALL
		(SELECT %[2]s FROM %[3]s x WHERE x.workspace_id || '' = $1%[4]s AND x.number + 0 <= (SELECT MAX(number) FROM %[3]s) - %[5]d
			AND x.search_vector @@ to_tsquery('simple', $2) ORDER BY x.number DESC LIMIT $3)
	) newest LIMIT $3`, cols, inner, table, extra, probe)
}

// searchTextQuery selects the tickets whose subject or description match,
// newest first.
func searchTextQuery(engine string) string {
	if engine == "postgres" {
		return `SELECT id FROM (` + pgNewest("tickets", "id, number", "") + `) s`
	}
	return `SELECT s.id FROM tickets_text_fts CROSS JOIN tickets s ON s.number = tickets_text_fts.rowid
		WHERE tickets_text_fts MATCH $2 AND s.workspace_id = $1 ORDER BY tickets_text_fts.rowid DESC LIMIT $3`
}

// searchMessagesSQLite selects the ticket of each matching message, newest
// message first; notes only when $4 is true. CROSS JOIN fixes SQLite's join
// order: the index drives, newest first. PostgreSQL reads messages in slices
// (pgMessageHits).
const searchMessagesSQLite = `SELECT m.ticket_id FROM messages_fts CROSS JOIN messages m ON m.number = messages_fts.rowid
		WHERE messages_fts MATCH $2 AND m.workspace_id = $1 AND ($4 OR m.internal = FALSE)
		ORDER BY messages_fts.rowid DESC LIMIT $3`

// searchCustomersQuery selects, for each matching customer (newest first),
// a JSON array of its newest tickets, newest first: read off the
// (workspace_id, customer_id, number) index per customer, where a join
// ordered by customer and ticket would sort every ticket of every matching
// customer.
func searchCustomersQuery(engine string) string {
	tickets := `(SELECT %s FROM (SELECT id, number FROM tickets
		WHERE workspace_id = $1 AND customer_id = c.id ORDER BY number DESC LIMIT $3) ct)`
	if engine == "postgres" {
		return `SELECT ` + fmt.Sprintf(tickets, "COALESCE(json_agg(id ORDER BY number DESC), '[]')") + ` FROM (` +
			pgNewest("customers", "id, number", "") + `) c`
	}
	return `SELECT ` + fmt.Sprintf(tickets, "json_group_array(id ORDER BY number DESC)") + ` FROM customers_fts
		CROSS JOIN customers c ON c.number = customers_fts.rowid
		WHERE customers_fts MATCH $2 AND c.workspace_id = $1 ORDER BY customers_fts.rowid DESC LIMIT $3`
}
