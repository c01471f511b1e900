package toptickets

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

type memberJSON struct {
	ID       ticketd.ID `json:"id"`
	Email    string     `json:"email"`
	FullName string     `json:"full_name"`
}

type teamJSON struct {
	ID          ticketd.ID    `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Members     *[]memberJSON `json:"members,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// renderTeam renders a team; with members (the get, create and update
// responses) or without (the list, as the product's list response shows).
func renderTeam(t *ticketd.Team, members []*ticketd.User) teamJSON {
	j := teamJSON{ID: t.ID, Name: t.Name, Description: t.Description, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if members != nil {
		ms := make([]memberJSON, len(members))
		for i, u := range members {
			ms[i] = memberJSON{ID: u.ID, Email: u.Email, FullName: u.Name}
		}
		j.Members = &ms
	}
	return j
}

func (h *Handler) writeTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal, status int, t *ticketd.Team) error {
	members, err := h.svc.TeamMembers(r.Context(), p, t.ID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, status, renderTeam(t, members))
	return nil
}

type teamBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (h *Handler) listTeams(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	pg, err := parsePaging(r, 50, 100) // the teams page: default 50, max 100
	if err != nil {
		return err
	}
	ts, err := h.svc.Teams(r.Context(), p, ticketd.Page{Offset: pg.Offset, Limit: pg.Limit})
	if err != nil {
		return err
	}
	writeList(w, ts, func(t *ticketd.Team) teamJSON { return renderTeam(t, nil) })
	return nil
}

func (h *Handler) createTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b teamBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Name == nil {
		return ticketd.Invalid("name", ticketd.KindMissing, "field required")
	}
	in := ticketd.NewTeam{Name: *b.Name}
	if b.Description != nil {
		in.Description = *b.Description
	}
	t, err := h.svc.CreateTeam(r.Context(), p, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderTeam(t, []*ticketd.User{}))
	return nil
}

func (h *Handler) getTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	t, err := h.svc.Team(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	return h.writeTeam(w, r, p, http.StatusOK, t)
}

func (h *Handler) updateTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	var b teamBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	t, err := h.svc.UpdateTeam(r.Context(), p, id, ticketd.TeamUpdate{Name: b.Name, Description: b.Description})
	if err != nil {
		return err
	}
	return h.writeTeam(w, r, p, http.StatusOK, t)
}

func (h *Handler) deleteTeam(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteTeam(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type memberBody struct {
	UserID optionalID `json:"user_id"`
}

// addMember adds a user to a team and answers the team with its members.
func (h *Handler) addMember(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	var b memberBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	// An unknown team is a 404 before any complaint about the body.
	if _, err := h.svc.Team(r.Context(), p, ticketd.ByID(id)); err != nil {
		return err
	}
	if b.UserID.ref() == nil {
		return ticketd.Invalid("user_id", ticketd.KindMissing, "field required")
	}
	if err := h.svc.AddTeamMember(r.Context(), p, id, *b.UserID.ref()); err != nil {
		return err
	}
	t, err := h.svc.Team(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	return h.writeTeam(w, r, p, http.StatusCreated, t)
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "team")
	if err != nil {
		return err
	}
	user, err := pathID(r, "user_id", "team member")
	if err != nil {
		return err
	}
	if err := h.svc.RemoveTeamMember(r.Context(), p, id, user); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
