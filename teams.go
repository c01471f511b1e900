package ticketd

import (
	"context"
	"strings"
	"time"
)

// Team groups agents so that tickets can be routed to all of them at once:
// a ticket may be assigned to a team, to an agent, or to both.
type Team struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const maxTeamDescriptionLen = 2000

// NewTeam is the input of CreateTeam.
type NewTeam struct {
	Name        string
	Description string
}

// TeamUpdate changes the given fields of a team.
type TeamUpdate struct {
	Name        *string
	Description *string
}

func validateTeam(name, description string) error {
	if err := checkText("name", name, 1, maxNameLen); err != nil {
		return err
	}
	return checkText("description", description, 0, maxTeamDescriptionLen)
}

// CreateTeam adds a team. ECONFLICT if the workspace has a team of that name.
func (s *Service) CreateTeam(ctx context.Context, p *Principal, in NewTeam) (*Team, error) {
	now := s.Now()
	t := &Team{ID: NewID(), WorkspaceID: p.WorkspaceID, Name: strings.TrimSpace(in.Name),
		Description: strings.TrimSpace(in.Description), CreatedAt: now, UpdatedAt: now}
	if err := validateTeam(t.Name, t.Description); err != nil {
		return nil, err
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := tx.CreateTeam(ctx, t); err != nil {
			return err
		}
		return s.emit(ctx, tx, teamEvent(EventTeamCreated, t, nil)...)
	})
	if err != nil {
		return nil, conflictMessage(err, "a team with this name exists already")
	}
	return t, nil
}

// Team returns one team of the workspace.
func (s *Service) Team(ctx context.Context, p *Principal, ref Ref) (t *Team, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		t, err = tx.Team(ctx, p.WorkspaceID, ref)
		return err
	})
	return t, err
}

// Teams lists the workspace's teams in creation order.
func (s *Service) Teams(ctx context.Context, p *Principal, page Page) (ts []*Team, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		ts, err = tx.Teams(ctx, p.WorkspaceID, page)
		return err
	})
	return ts, err
}

// UpdateTeam changes the given fields of a team; only those are written.
func (s *Service) UpdateTeam(ctx context.Context, p *Principal, id ID, in TeamUpdate) (*Team, error) {
	var t *Team
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if t, err = tx.Team(ctx, p.WorkspaceID, ByID(id)); err != nil {
			return err
		}
		setTrimmed(&t.Name, in.Name)
		setTrimmed(&t.Description, in.Description)
		if err := validateTeam(t.Name, t.Description); err != nil {
			return err
		}
		t.UpdatedAt = s.Now()
		var name, desc *string
		if in.Name != nil {
			name = &t.Name
		}
		if in.Description != nil {
			desc = &t.Description
		}
		if err := tx.UpdateTeam(ctx, p.WorkspaceID, id, name, desc, t.UpdatedAt); err != nil {
			return err
		}
		return s.emit(ctx, tx, teamEvent(EventTeamUpdated, t, nil)...)
	})
	if err != nil {
		return nil, conflictMessage(err, "a team with this name exists already")
	}
	return t, nil
}

// DeleteTeam removes a team: its tickets lose their team (keeping their
// agent), its members stay agents of the workspace.
func (s *Service) DeleteTeam(ctx context.Context, p *Principal, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Team(ctx, p.WorkspaceID, ByID(id))
		if err != nil {
			return err
		}
		if err := tx.DeleteTeam(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		return s.emit(ctx, tx, teamEvent(EventTeamDeleted, t, nil)...)
	})
}

// TeamMembers lists a team's members in the order they joined.
func (s *Service) TeamMembers(ctx context.Context, p *Principal, team ID) (us []*User, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Team(ctx, p.WorkspaceID, ByID(team)); err != nil {
			return err
		}
		us, err = tx.TeamMembers(ctx, p.WorkspaceID, team)
		return err
	})
	return us, err
}

// AddTeamMember makes an agent of the workspace a member of a team; adding
// a member again changes nothing. ENOTFOUND for a team or user not in the
// workspace.
func (s *Service) AddTeamMember(ctx context.Context, p *Principal, team ID, user Ref) error {
	return s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Team(ctx, p.WorkspaceID, ByID(team))
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, p.WorkspaceID, user)
		if err != nil {
			return err
		}
		if err := tx.AddTeamMember(ctx, team, u.ID, s.Now()); err != nil {
			return err
		}
		return s.emit(ctx, tx, teamEvent(EventTeamMemberAdded, t, u)...)
	})
}

// RemoveTeamMember ends a membership; ENOTFOUND if the team is not in the
// workspace or the user is not a member.
func (s *Service) RemoveTeamMember(ctx context.Context, p *Principal, team, user ID) error {
	return s.store.Update(ctx, func(tx Tx) error {
		t, err := tx.Team(ctx, p.WorkspaceID, ByID(team))
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, p.WorkspaceID, ByID(user))
		if ErrorCode(err) == ENOTFOUND {
			return NotFound("team member")
		} else if err != nil {
			return err
		}
		if err := tx.RemoveTeamMember(ctx, team, user); err != nil {
			return err
		}
		return s.emit(ctx, tx, teamEvent(EventTeamMemberRemoved, t, u)...)
	})
}
