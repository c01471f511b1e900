package ticketd

import "context"

// SessionPage is SessionPrincipal with the views' counts for p, which every
// console page shows, read in the session's transaction: a page is then
// that read and one of its own.
func (s *Service) SessionPage(ctx context.Context, token string) (*Principal, *User, map[View]int, error) {
	var counts map[View]int
	p, u, err := s.sessionRead(ctx, token, func(tx Tx, p *Principal) error {
		cs, err := tx.TicketCounts(ctx, p.WorkspaceID)
		counts = viewCounts(cs, p)
		return err
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return p, u, counts, nil
}

// ListPage is what a console list page shows besides the views' counts
// (SessionPage): one page of tickets, their customers and assignees, and the
// filters' choices, read in one transaction.
type ListPage struct {
	Tickets []*Ticket
	// Next is the cursor of the next page (0: none); a search has none.
	Next int64
	// Customers are the names shown of the tickets' customers
	// (CustomerName.Shown); a customer that is no more has none.
	Customers map[ID]string
	// Assignees are the tickets' assignees; an id that names no one (any
	// more) maps to nil.
	Assignees map[ID]*User
	Inboxes   []*Inbox
	// Agents are the workspace's users (the assignee filter's choices), up
	// to maxListAgents.
	Agents []*User
}

// maxListAgents bounds the agents a list page offers as assignees.
const maxListAgents = 1000

// ViewPage reads one page of a view for p, with what the page shows beside
// it (see ListPage): one transaction, where the console used to take one
// per piece.
func (s *Service) ViewPage(ctx context.Context, p *Principal, f ViewFilter) (*ListPage, error) {
	if f.Limit <= 0 || f.Limit > MaxViewPage {
		f.Limit = 50
	}
	limit := f.Limit
	f.Limit++
	out := &ListPage{}
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if out.Tickets, err = tx.ViewTickets(ctx, p.WorkspaceID, f); err != nil {
			return err
		}
		if len(out.Tickets) > limit {
			out.Tickets = out.Tickets[:limit]
			out.Next = out.Tickets[limit-1].Number
		}
		return s.listPageRest(ctx, tx, p, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SearchPage is Search (same text, filter and limit rules) with everything
// the results page shows beside the tickets, in one transaction. A text
// without a word is EINVALID, and then nothing else is read.
func (s *Service) SearchPage(ctx context.Context, p *Principal, text string, f ViewFilter, limit int) (*ListPage, error) {
	q, err := searchQuery(p, text, f, limit)
	if err != nil {
		return nil, err
	}
	out := &ListPage{}
	err = s.store.View(ctx, func(tx Tx) (err error) {
		if out.Tickets, err = tx.Search(ctx, p.WorkspaceID, q); err != nil {
			return err
		}
		return s.listPageRest(ctx, tx, p, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPageExtras reads what a list page shows beside its tickets, for a
// page that has no tickets to show (a search not yet typed).
func (s *Service) ListPageExtras(ctx context.Context, p *Principal) (*ListPage, error) {
	out := &ListPage{}
	err := s.store.View(ctx, func(tx Tx) error { return s.listPageRest(ctx, tx, p, out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listPageRest reads the rest of a list page for out.Tickets. The assignees
// are found among the agents read for the filter, so only a customer (and
// an assignee beyond the first maxListAgents agents) costs a look-up; the
// customers' names are read in one statement per page (Tx.CustomerNames),
// not one per customer.
func (s *Service) listPageRest(ctx context.Context, tx Tx, p *Principal, out *ListPage) (err error) {
	if out.Inboxes, err = tx.Inboxes(ctx, p.WorkspaceID, Page{Limit: 200}); err != nil {
		return err
	}
	if out.Agents, err = tx.Users(ctx, p.WorkspaceID, Page{Limit: maxListAgents}); err != nil {
		return err
	}
	out.Customers, out.Assignees = map[ID]string{}, map[ID]*User{}
	agents := make(map[ID]*User, len(out.Agents))
	for _, u := range out.Agents {
		agents[u.ID] = u
	}
	seen := map[ID]bool{}
	var customers, users []ID
	for _, t := range out.Tickets {
		if !seen[t.CustomerID] {
			seen[t.CustomerID] = true
			customers = append(customers, t.CustomerID)
		}
		if id := t.AssigneeID; id != nil {
			if _, ok := out.Assignees[*id]; !ok {
				out.Assignees[*id] = agents[*id]
				if agents[*id] == nil {
					users = append(users, *id)
				}
			}
		}
	}
	for len(customers) > 0 {
		n := min(len(customers), MaxPeopleLookup)
		names, err := tx.CustomerNames(ctx, p.WorkspaceID, customers[:n])
		if err != nil {
			return err
		}
		for _, cn := range names {
			out.Customers[cn.ID] = cn.Shown()
		}
		customers = customers[n:]
	}
	for len(users) > 0 {
		n := min(len(users), MaxPeopleLookup)
		_, us, err := tx.People(ctx, p.WorkspaceID, nil, users[:n])
		if err != nil {
			return err
		}
		for _, u := range us {
			out.Assignees[u.ID] = u
		}
		users = users[n:]
	}
	return nil
}

// viewCounts counts every view for p from the kept counts.
func viewCounts(counts []TicketCount, p *Principal) map[View]int {
	out := map[View]int{}
	for _, c := range counts {
		switch {
		case c.Status.IsOpen():
			out[ViewOpen] += c.N
			if c.AssigneeID == nil {
				out[ViewUnassigned] += c.N
			} else if *c.AssigneeID == p.UserID {
				out[ViewMine] += c.N
			}
		case c.Status == StatusPending:
			out[ViewPending] += c.N
		case c.Status == StatusSolved:
			out[ViewSolved] += c.N
		}
	}
	return out
}
