package sqlstore

import (
	"context"
	"fmt"
	"strings"

	ticketd "github.com/ticketd/ticketd"
)

const articleColumns = `number, id, workspace_id, title, slug, status, body, excerpt, created_at, updated_at`

func scanArticle(row scanner) (*ticketd.Article, error) {
	var a ticketd.Article
	var id, ws string
	if err := row.Scan(&a.Number, &id, &ws, &a.Title, &a.Slug, &a.Status, &a.Body, &a.Excerpt, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	var err error
	if a.ID, err = parseID(id); err != nil {
		return nil, err
	}
	if a.WorkspaceID, err = parseID(ws); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// CreateArticle inserts a and assigns its number.
func (t *Tx) CreateArticle(ctx context.Context, a *ticketd.Article) error {
	err := t.queryRow(ctx, `INSERT INTO articles (id, workspace_id, title, slug, status, body, excerpt, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING number`,
		idArg(a.ID), idArg(a.WorkspaceID), a.Title, a.Slug, string(a.Status), a.Body, a.Excerpt, a.CreatedAt, a.UpdatedAt).Scan(&a.Number)
	return t.d.normalize(err)
}

// Article returns the article ref names in workspace ws.
func (t *Tx) Article(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Article, error) {
	return t.article(ctx, ws, ref, "")
}

// ArticleForUpdate is Article, locking the row until the transaction ends.
func (t *Tx) ArticleForUpdate(ctx context.Context, ws ticketd.ID, ref ticketd.Ref) (*ticketd.Article, error) {
	return t.article(ctx, ws, ref, t.d.forUpdate())
}

func (t *Tx) article(ctx context.Context, ws ticketd.ID, ref ticketd.Ref, lock string) (*ticketd.Article, error) {
	a, err := scanArticle(t.queryRow(ctx, `SELECT `+articleColumns+` FROM articles
		WHERE workspace_id = $1 AND `+refCond(ref)+lock, idArg(ws), refArg(ref)))
	if err != nil {
		return nil, t.notFound(err, "article")
	}
	return a, nil
}

// Articles lists the articles f selects in creation order. The search is a
// case-insensitive substring match of every word of the query on the title
// or the body; the number of words is bounded, so the statement texts are.
func (t *Tx) Articles(ctx context.Context, ws ticketd.ID, f ticketd.ArticleFilter) ([]*ticketd.Article, error) {
	var status any
	if f.Status != "" {
		status = string(f.Status)
	}
	args := []any{idArg(ws), status, f.Page.AfterNumber, limitArg(f.Page.Limit)}
	q := `SELECT ` + articleColumns + ` FROM articles WHERE workspace_id = $1
		AND (CAST($2 AS TEXT) IS NULL OR status = $2) AND number > $3`
	words := strings.Fields(strings.ToLower(f.Query))
	if len(words) > 8 {
		words = words[:8]
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	for _, w := range words {
		args = append(args, "%"+esc.Replace(w)+"%")
		n := len(args)
		q += fmt.Sprintf(` AND (LOWER(title) LIKE $%d ESCAPE '\' OR LOWER(body) LIKE $%d ESCAPE '\')`, n, n)
	}
	rows, err := t.query(ctx, q+` ORDER BY number LIMIT $4`, args...)
	if err != nil {
		return nil, t.d.normalize(err)
	}
	return collect(rows, scanArticle)
}

// UpdateArticle writes every field of a.
func (t *Tx) UpdateArticle(ctx context.Context, a *ticketd.Article) error {
	return t.execOne(ctx, "article", `UPDATE articles SET title = $3, slug = $4, status = $5, body = $6, excerpt = $7,
		updated_at = $8 WHERE workspace_id = $1 AND id = $2`,
		idArg(a.WorkspaceID), idArg(a.ID), a.Title, a.Slug, string(a.Status), a.Body, a.Excerpt, a.UpdatedAt.UTC())
}

// DeleteArticle removes an article.
func (t *Tx) DeleteArticle(ctx context.Context, ws, id ticketd.ID) error {
	return t.execOne(ctx, "article", `DELETE FROM articles WHERE workspace_id = $1 AND id = $2`, idArg(ws), idArg(id))
}
