package inbound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrBusy means the process has as much inbound email in flight as its
// Budget allows. It is temporary: SMTP answers 452 (or 421 at connection
// time) and HTTP 503 with Retry-After, and the sender tries again later, so
// nothing is lost and memory stays bounded however many senders push at once.
var ErrBusy = errors.New("too much email in flight, try again later")

// Budget bounds the bytes of inbound email in flight in the process: being
// received, spooled, parsed and stored, over SMTP and HTTP together. A nil
// *Budget bounds nothing.
type Budget struct {
	mu        sync.Mutex
	max, used int64
}

// NewBudget returns a Budget of max bytes.
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// TryAcquire reserves n bytes, or reports false when that would pass the
// budget. It never waits: a sender told to come back later is cheaper than
// a connection held open while others finish.
func (b *Budget) TryAcquire(n int64) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

// Release returns n bytes reserved with TryAcquire.
func (b *Budget) Release(n int64) {
	if b == nil || n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// Available is how many bytes can still be reserved.
func (b *Budget) Available() int64 {
	if b == nil {
		return 1 << 62
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.max - b.used
}

// DefaultSpoolThreshold is the size past which a Spool moves to disk.
const DefaultSpoolThreshold = 1 << 20

// Spool holds one raw message as it arrives: in memory up to a threshold, in
// a temporary file past it, so that a large message costs disk, not memory,
// until it is parsed. Every byte it holds is reserved in its Budget until
// Close.
type Spool struct {
	// Budget, when set, is charged for every byte written; ReadFrom
	// fails with ErrBusy when it is exhausted.
	Budget *Budget
	// Threshold is the size past which the content moves to a file;
	// DefaultSpoolThreshold when 0.
	Threshold int64
	// Dir is where the file is created; the system's temporary
	// directory when "".
	Dir string
	// Max caps the content; ReadFrom fails with ErrTooLarge past it. 0 is
	// DefaultMaxBytes.
	Max int64

	// Reserved is budget taken before the first byte (an SMTP SIZE the
	// session reserved at MAIL FROM); ReadFrom charges bytes past it only,
	// and Close returns it with the rest.
	Reserved int64

	mem  []byte
	f    *os.File
	size int64
}

// NewSpool returns a Spool holding raw, for callers that have the bytes
// already (tests, a message built in memory).
func NewSpool(raw []byte) *Spool {
	return &Spool{mem: raw, size: int64(len(raw)), Max: int64(len(raw)), Threshold: int64(len(raw)) + 1}
}

// ReadFrom reads r to its end into the spool. It fails with ErrTooLarge past
// Max and ErrBusy when the budget runs out; the caller Closes the spool in
// every case.
func (s *Spool) ReadFrom(r io.Reader) (int64, error) {
	max := s.Max
	if max <= 0 {
		max = DefaultMaxBytes
	}
	threshold := s.Threshold
	if threshold <= 0 {
		threshold = DefaultSpoolThreshold
	}
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if s.size+int64(n) > max {
				return total, fmt.Errorf("spool: over %d bytes: %w", max, ErrTooLarge)
			}
			if extra := s.size + int64(n) - s.Reserved; extra > 0 {
				if !s.Budget.TryAcquire(extra) {
					return total, ErrBusy
				}
				s.Reserved += extra
			}
			if werr := s.write(buf[:n], threshold); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		} else if err != nil {
			return total, err
		}
	}
}

func (s *Spool) write(p []byte, threshold int64) error {
	if s.f == nil && s.size+int64(len(p)) <= threshold {
		s.mem = append(s.mem, p...)
		s.size += int64(len(p))
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.Dir, "ticketd-inbound-*.eml")
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.f = f
		if _, err := f.Write(s.mem); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.mem = nil
	}
	if _, err := s.f.Write(p); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	s.size += int64(len(p))
	return nil
}

// Size is the number of bytes held.
func (s *Spool) Size() int64 { return s.size }

// ReaderAt reads the content.
func (s *Spool) ReaderAt() io.ReaderAt {
	if s.f != nil {
		return s.f
	}
	return bytes.NewReader(s.mem)
}

// Bytes returns the whole content in memory, for small messages and tests.
func (s *Spool) Bytes() ([]byte, error) {
	if s.f == nil {
		return s.mem, nil
	}
	b := make([]byte, s.size)
	_, err := s.f.ReadAt(b, 0)
	if err == io.EOF {
		err = nil
	}
	return b, err
}

// Close removes the file, if any, and returns the spool's bytes to the
// budget.
func (s *Spool) Close() error {
	s.Budget.Release(s.Reserved)
	s.Reserved = 0
	s.mem = nil
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	err := s.f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	s.f = nil
	return err
}
