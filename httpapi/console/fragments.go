package console

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"html/template"
	"strings"
	"sync"
	"time"

	ticketd "github.com/ticketd/ticketd"
)

// Fragments: a list's rows and a conversation's messages are most of a
// page's HTML, and html/template's escaping of them (a reflective call per
// value) was most of its CPU. The same rows and messages are drawn again and
// again (every live update redraws the page of every agent looking at it),
// so each is rendered once by its template — html/template still escapes
// every value of it, in its context — and kept by a digest of everything it
// shows. A changed ticket or message has another digest and is rendered
// afresh; nothing is ever invalidated, and nothing can be shown that the
// same data would not render to.

// fragmentKey is a 128-bit digest of a fragment's template and inputs.
type fragmentKey [2]uint64

// Bounds: the cache starts over when it holds maxFragmentBytes (so memory is
// bounded and stale pieces go), and a piece larger than maxFragment is
// rendered every time rather than kept.
const (
	maxFragmentBytes = 32 << 20
	maxFragment      = 256 << 10
)

// fragments is the cache of rendered pieces.
type fragments struct {
	seeds [2]maphash.Seed

	mu    sync.Mutex
	m     map[fragmentKey]template.HTML
	bytes int
}

func newFragments() *fragments {
	return &fragments{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, m: map[fragmentKey]template.HTML{}}
}

// render returns the piece that template name of page t renders for the
// inputs digested in d, rendering it with data() only when it is not kept.
func (f *fragments) render(t *template.Template, name string, d *digest, data func() any) (template.HTML, error) {
	k := d.sum()
	f.mu.Lock()
	h, ok := f.m[k]
	f.mu.Unlock()
	if ok {
		return h, nil
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data()); err != nil {
		return "", err
	}
	// template.HTML marks what html/template itself produced, escaped for
	// the HTML text context the page puts it in, so that it is not escaped
	// a second time there.
	h = template.HTML(b.String())
	if len(h) <= maxFragment {
		f.mu.Lock()
		if f.bytes+len(h) > maxFragmentBytes {
			f.m, f.bytes = map[fragmentKey]template.HTML{}, 0
		}
		if _, ok := f.m[k]; !ok {
			f.m[k] = h
			f.bytes += len(h)
		}
		f.mu.Unlock()
	}
	return h, nil
}

// joinHTML puts pieces one after the other, so that a page inserts them
// with one action rather than one per piece. Each piece is a whole element
// (or several) that ends in the text context it started in, so the
// sequence does too.
func joinHTML(pieces []template.HTML) template.HTML {
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range pieces {
		b.WriteString(string(p))
	}
	return template.HTML(b.String())
}

// digest hashes a fragment's inputs, each with its length, so that no two
// different sequences of inputs hash alike but by chance (two independently
// seeded 64-bit hashes: about 2^-128 per pair).
type digest struct {
	h [2]maphash.Hash
}

func (f *fragments) digest(kind string) *digest {
	d := &digest{}
	for i := range d.h {
		d.h[i].SetSeed(f.seeds[i])
	}
	d.str(kind)
	return d
}

// reset starts d over for another fragment of kind (a page digests its rows
// with one digest).
func (d *digest) reset(kind string) {
	for i := range d.h {
		d.h[i].Reset()
	}
	d.str(kind)
}

func (d *digest) sum() fragmentKey { return fragmentKey{d.h[0].Sum64(), d.h[1].Sum64()} }

func (d *digest) int(n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	for i := range d.h {
		_, _ = d.h[i].Write(b[:])
	}
}

func (d *digest) str(s string) {
	d.int(int64(len(s)))
	for i := range d.h {
		_, _ = d.h[i].WriteString(s)
	}
}

// opt digests an optional string: absent differs from empty.
func (d *digest) opt(s *string) {
	if s == nil {
		d.int(-1)
		return
	}
	d.str(*s)
}

func (d *digest) bool(b bool) {
	if b {
		d.int(1)
	} else {
		d.int(0)
	}
}

func (d *digest) strs(ss []string) {
	d.int(int64(len(ss)))
	for _, s := range ss {
		d.str(s)
	}
}

func (d *digest) id(id ticketd.ID) {
	for i := range d.h {
		_, _ = d.h[i].Write(id[:])
	}
}

// time digests an instant (pages show times in UTC).
func (d *digest) time(t time.Time) { d.int(t.UnixNano()) }
