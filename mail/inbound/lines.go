package inbound

import (
	"bufio"
	"bytes"
	"io"
)

// lineBufSize is the longest piece of a line eachLine hands over at once.
const lineBufSize = 64 << 10

// eachLine calls fn for each line of r, without its LF or CRLF ending,
// holding one buffer whatever the input: a line longer than lineBufSize is
// passed in pieces, first true on the first piece and last true on the
// final one (a short line is one piece with both true). It stops early when
// fn returns false, and returns the first read error other than EOF.
func eachLine(r io.Reader, fn func(piece []byte, first, last bool) bool) error {
	br := bufio.NewReaderSize(r, lineBufSize)
	first := true
	heldCR := false // a CR ending a piece, which may be the line's CRLF
	for {
		piece, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			piece = piece[:len(piece)-1]
			if len(piece) > 0 && piece[len(piece)-1] == '\r' {
				piece = piece[:len(piece)-1]
			} else if len(piece) == 0 && heldCR {
				heldCR = false // the held CR was the CRLF's
			}
			if heldCR {
				if !fn([]byte{'\r'}, first, false) {
					return nil
				}
				first = false
			}
			heldCR = false
			if !fn(piece, first, true) {
				return nil
			}
			first = true
		case err == bufio.ErrBufferFull:
			if heldCR {
				if !fn([]byte{'\r'}, first, false) {
					return nil
				}
				first = false
			}
			heldCR = bytes.HasSuffix(piece, []byte{'\r'})
			if heldCR {
				piece = piece[:len(piece)-1]
			}
			if !fn(piece, first, false) {
				return nil
			}
			first = false
		default: // EOF or a read error: the last line has no ending
			if heldCR {
				piece = append([]byte{'\r'}, piece...)
			}
			if len(piece) > 0 || !first {
				fn(piece, first, true)
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}
