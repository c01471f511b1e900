package native

import (
	"net/http"
	"time"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
)

// registerArticles adds the knowledge base's native CRUD under /v1/articles:
// the team writes articles here; integrations read them here or over
// Ticket0's read-only /knowledge-base.
func (h *Handler) registerArticles() {
	h.mount.Handle("POST", "/articles", "articles:write", h.createArticle)
	h.mount.Handle("GET", "/articles", "tickets:read", h.listArticles)
	h.mount.Handle("GET", "/articles/{id}", "tickets:read", h.getArticle)
	h.mount.Handle("PATCH", "/articles/{id}", "articles:write", h.updateArticle)
	h.mount.Handle("DELETE", "/articles/{id}", "articles:write", h.deleteArticle)
}

// ArticleJSON is an article as the native API renders it.
type ArticleJSON struct {
	ID        ticketd.ID `json:"id"`
	Number    int64      `json:"number"`
	Title     string     `json:"title"`
	Slug      string     `json:"slug"`
	Status    string     `json:"status"`
	Body      string     `json:"body"`
	Excerpt   string     `json:"excerpt"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

func renderArticle(a *ticketd.Article) ArticleJSON {
	return ArticleJSON{ID: a.ID, Number: a.Number, Title: a.Title, Slug: a.Slug, Status: string(a.Status), Body: a.Body,
		Excerpt: a.Excerpt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type articleBody struct {
	Title   *string `json:"title"`
	Slug    *string `json:"slug"`
	Status  *string `json:"status"`
	Body    *string `json:"body"`
	Excerpt *string `json:"excerpt"`
}

func (h *Handler) createArticle(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	var b articleBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Title == nil {
		return ticketd.Invalid("title", ticketd.KindMissing, "field required")
	}
	a, err := h.svc.CreateArticle(r.Context(), p, ticketd.NewArticle{Title: *b.Title, Slug: deref(b.Slug),
		Status: ticketd.ArticleStatus(deref(b.Status)), Body: deref(b.Body), Excerpt: deref(b.Excerpt)})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, renderArticle(a))
	return nil
}

// listArticles lists articles in creation order, filtered by status and a
// search query (q), paged by limit and after.
func (h *Handler) listArticles(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	if err := knownParams(r, "limit", "after", "status", "q"); err != nil {
		return err
	}
	page, err := httpapi.ParsePage(r, "after")
	if err != nil {
		return err
	}
	after, err := cursorNumber(page.After, func(id ticketd.ID) (int64, error) {
		a, err := h.svc.Article(r.Context(), p, ticketd.ByID(id))
		if err != nil {
			return 0, err
		}
		return a.Number, nil
	})
	if err != nil {
		return err
	}
	q := r.URL.Query()
	as, err := h.svc.Articles(r.Context(), p, ticketd.ArticleFilter{Status: ticketd.ArticleStatus(q.Get("status")),
		Query: q.Get("q"), Page: ticketd.Page{AfterNumber: after, Limit: page.Limit + 1}})
	if err != nil {
		return asQuery(err)
	}
	writeList(w, r, page, as, func(a *ticketd.Article) ticketd.ID { return a.ID }, renderArticle)
	return nil
}

func (h *Handler) getArticle(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "article")
	if err != nil {
		return err
	}
	a, err := h.svc.Article(r.Context(), p, ticketd.ByID(id))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderArticle(a))
	return nil
}

func (h *Handler) updateArticle(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "article")
	if err != nil {
		return err
	}
	var b articleBody
	if err := httpapi.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := ticketd.ArticleUpdate{Title: b.Title, Slug: b.Slug, Body: b.Body, Excerpt: b.Excerpt}
	if b.Status != nil {
		st := ticketd.ArticleStatus(*b.Status)
		in.Status = &st
	}
	a, err := h.svc.UpdateArticle(r.Context(), p, id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, renderArticle(a))
	return nil
}

func (h *Handler) deleteArticle(w http.ResponseWriter, r *http.Request, p *ticketd.Principal) error {
	id, err := pathID(r, "id", "article")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteArticle(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
