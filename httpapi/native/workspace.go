package native

import (
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

func (h *Handler) registerWorkspace() {
	h.mount.Handle("GET", "/workspace", "settings:read", h.getWorkspace)
	h.mount.Handle("PATCH", "/workspace", "settings:write", h.updateWorkspace)
}

func (h *Handler) getWorkspace(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	ws, err := h.svc.Workspace(r.Context(), p)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, RenderWorkspace(ws))
	return nil
}

// updateWorkspace changes the key's workspace: its name and the switches
// auto_triage (language and sentiment of inbound messages) and
// email_agent_comments (email public agent comments on email tickets).
func (h *Handler) updateWorkspace(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b struct {
		Name     *string `json:"name"`
		Settings struct {
			AutoTriage         *bool   `json:"auto_triage"`
			EmailAgentComments *bool   `json:"email_agent_comments"`
			Website            *string `json:"website"`
		} `json:"settings"`
	}
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	ws, err := h.svc.UpdateWorkspace(r.Context(), p, ticketd.WorkspaceUpdate{Name: b.Name,
		AutoTriage: b.Settings.AutoTriage, EmailAgentComments: b.Settings.EmailAgentComments,
		Website: b.Settings.Website})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, RenderWorkspace(ws))
	return nil
}
