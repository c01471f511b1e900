package inbound

import (
	"fmt"
	"io"
	"mime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// wordDecoder decodes RFC 2047 encoded words in every charset x/text knows,
// by WHATWG label first (which maps the labels mail actually carries, such as
// gb2312 → GBK and iso-8859-1 → windows-1252, the way browsers and mail
// clients do) and by IANA name second.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	label := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	var enc encoding.Encoding
	enc, err := htmlindex.Get(label)
	if err != nil {
		enc, err = ianaindex.MIME.Encoding(label)
	}
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

// decodeHeader decodes the encoded words in an unstructured header value
// (Subject, a display name). A value that fails to decode is returned as
// received: a subject with a stray "=?" is still better than none.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}
