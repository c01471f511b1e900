package ticketd

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Article is one knowledge-base article: Markdown the team writes, which
// integrations read (Ticket0's knowledge base) and may show to customers
// once it is published.
type Article struct {
	ID          ID
	Number      int64
	WorkspaceID ID
	Title       string
	// Slug names the article in URLs; unique in the workspace.
	Slug   string
	Status ArticleStatus
	// Body is Markdown; Excerpt a short plain summary, derived from the
	// body unless the team wrote one.
	Body      string
	Excerpt   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ArticleStatus says whether an article is live.
type ArticleStatus string

const (
	ArticleDraft     ArticleStatus = "draft"
	ArticlePublished ArticleStatus = "published"
	ArticleArchived  ArticleStatus = "archived"
)

// Valid reports whether s is a known status.
func (s ArticleStatus) Valid() bool {
	return s == ArticleDraft || s == ArticlePublished || s == ArticleArchived
}

// Limits of articles.
const (
	maxArticleBody    = 1 << 20
	maxExcerptLen     = 500
	derivedExcerptLen = 200
)

// NewArticle is the input of CreateArticle.
type NewArticle struct {
	Title   string
	Slug    string // "" derives it from the title
	Status  ArticleStatus
	Body    string
	Excerpt string
}

// ArticleUpdate changes the given fields of an article.
type ArticleUpdate struct {
	Title   *string
	Slug    *string
	Status  *ArticleStatus
	Body    *string
	Excerpt *string
}

// ArticleFilter selects articles; an empty field is not a condition.
type ArticleFilter struct {
	Status ArticleStatus
	// Query selects articles whose title or body contains every word of it,
	// case-insensitively.
	Query string
	Page  Page
}

var slugJunk = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a URL name from a title: lower-case ASCII words joined by -.
func slugify(title string) string {
	s := slugJunk.ReplaceAllString(strings.ToLower(title), "-")
	s = strings.Trim(s, "-")
	if len(s) > 100 {
		s = strings.Trim(s[:100], "-")
	}
	return s
}

var (
	markdownLinks = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	markdownMarks = regexp.MustCompile("[#*_`>~|]+")
)

// excerpt derives a plain summary from Markdown: its text without marks, on
// one line, cut at a word near derivedExcerptLen characters.
func excerpt(body string) string {
	body = markdownLinks.ReplaceAllString(body, "$1")
	text := strings.Join(strings.Fields(markdownMarks.ReplaceAllString(body, "")), " ")
	if utf8.RuneCountInString(text) <= derivedExcerptLen {
		return text
	}
	r := []rune(text)[:derivedExcerptLen]
	cut := strings.LastIndexFunc(string(r), unicode.IsSpace)
	if cut > derivedExcerptLen/2 {
		return string(r)[:cut] + "…"
	}
	return string(r) + "…"
}

func (a *Article) normalize(explicitExcerpt bool) error {
	a.Title = strings.TrimSpace(a.Title)
	a.Slug = strings.TrimSpace(a.Slug)
	if a.Slug == "" {
		a.Slug = slugify(a.Title)
	}
	if a.Status == "" {
		a.Status = ArticleDraft
	}
	if !explicitExcerpt {
		a.Excerpt = excerpt(a.Body)
	}
	a.Excerpt = strings.TrimSpace(a.Excerpt)
	if err := checkTexts(
		textField{"title", a.Title, 1, maxSubjectLen},
		textField{"body", a.Body, 0, maxArticleBody},
		textField{"excerpt", a.Excerpt, 0, maxExcerptLen},
	); err != nil {
		return err
	}
	if a.Slug == "" || a.Slug != slugify(a.Slug) {
		return Invalid("slug", KindInvalid, "must be lower-case letters, digits and single dashes")
	}
	if !a.Status.Valid() {
		return Invalid("status", KindEnum, "must be one of draft, published, archived")
	}
	return nil
}

// CreateArticle adds an article to the knowledge base. ECONFLICT if another
// article of the workspace has the slug.
func (s *Service) CreateArticle(ctx context.Context, p *Principal, in NewArticle) (*Article, error) {
	now := s.Now()
	a := &Article{ID: NewID(), WorkspaceID: p.WorkspaceID, Title: in.Title, Slug: in.Slug, Status: in.Status,
		Body: in.Body, Excerpt: in.Excerpt, CreatedAt: now, UpdatedAt: now}
	if err := a.normalize(strings.TrimSpace(in.Excerpt) != ""); err != nil {
		return nil, err
	}
	err := s.store.Update(ctx, func(tx Tx) error { return tx.CreateArticle(ctx, a) })
	return a, conflictMessage(err, "an article with this slug exists already")
}

// Article returns one article of the workspace.
func (s *Service) Article(ctx context.Context, p *Principal, ref Ref) (a *Article, err error) {
	err = s.store.View(ctx, func(tx Tx) error {
		a, err = tx.Article(ctx, p.WorkspaceID, ref)
		return err
	})
	return a, err
}

// Articles lists the workspace's articles that f selects, in creation order.
func (s *Service) Articles(ctx context.Context, p *Principal, f ArticleFilter) (as []*Article, err error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, Invalid("status", KindEnum, "must be one of draft, published, archived")
	}
	err = s.store.View(ctx, func(tx Tx) error {
		as, err = tx.Articles(ctx, p.WorkspaceID, f)
		return err
	})
	return as, err
}

// UpdateArticle changes the given fields of an article; a new body derives a
// new excerpt unless one is given.
func (s *Service) UpdateArticle(ctx context.Context, p *Principal, id ID, in ArticleUpdate) (*Article, error) {
	var a *Article
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if a, err = tx.ArticleForUpdate(ctx, p.WorkspaceID, ByID(id)); err != nil {
			return err
		}
		derived := a.Excerpt == excerpt(a.Body)
		if in.Title != nil {
			a.Title = *in.Title
		}
		if in.Slug != nil {
			a.Slug = *in.Slug
		}
		if in.Status != nil {
			a.Status = *in.Status
		}
		if in.Body != nil {
			a.Body = *in.Body
		}
		explicit := !derived
		if in.Excerpt != nil {
			a.Excerpt, explicit = *in.Excerpt, strings.TrimSpace(*in.Excerpt) != ""
		}
		if err := a.normalize(explicit); err != nil {
			return err
		}
		a.UpdatedAt = s.Now()
		return tx.UpdateArticle(ctx, a)
	})
	if err != nil {
		return nil, conflictMessage(err, "an article with this slug exists already")
	}
	return a, nil
}

// DeleteArticle removes an article.
func (s *Service) DeleteArticle(ctx context.Context, p *Principal, id ID) error {
	return s.store.Update(ctx, func(tx Tx) error { return tx.DeleteArticle(ctx, p.WorkspaceID, id) })
}
