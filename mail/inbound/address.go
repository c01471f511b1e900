package inbound

import (
	"net/mail"
	"regexp"
	"strings"
)

// addressParser is net/mail's RFC 5322 parser with our encoded-word decoder,
// so display names in any charset decode the same way as subjects.
var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// parseAddressList parses an address header. The value is first reduced to
// what net/mail reads (RFC 5322 comments removed, group syntax flattened to
// its members); a list net/mail still refuses is read piece by piece, and a
// piece no parser accepts yields the address in its angle brackets, or else
// the one word shaped like an address. The address is always taken from the
// addr-spec, never from the display name: in
// `alice@example.com <bob@example.com>` the sender is bob, whatever the name
// claims.
func parseAddressList(v string) []Address {
	v = flattenGroups(stripComments(strings.TrimSpace(escapeRawQ(v))))
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if list, err := addressParser.ParseList(v); err == nil {
		return fromMail(list)
	}
	var out []Address
	for _, piece := range splitAddressPieces(v) {
		if strings.TrimSpace(piece) == "" {
			continue
		}
		if a, err := addressParser.Parse(piece); err == nil {
			out = append(out, fromMail([]*mail.Address{a})...)
			continue
		}
		if a, ok := looseAddress(piece); ok {
			out = append(out, a)
		}
	}
	return out
}

func fromMail(list []*mail.Address) []Address {
	var out []Address
	for _, a := range list {
		if addr := normaliseAddress(a.Address); addr != "" {
			out = append(out, Address{Name: cleanName(a.Name, addr), Email: addr})
		}
	}
	return out
}

var (
	angleAddr = regexp.MustCompile(`<\s*([^<>\s]+@[^<>\s]+)\s*>`)
	looseAddr = regexp.MustCompile(`[^\s<>"(),;:\[\]]+@[^\s<>"(),;:\[\]]+`)
)

// looseAddress reads one malformed mailbox. The last angle-bracketed address
// wins over anything in the name, as it does for every mail client; without
// brackets the first word shaped like an address is taken.
func looseAddress(piece string) (Address, bool) {
	var addr, name string
	if ms := angleAddr.FindAllStringSubmatchIndex(piece, -1); ms != nil {
		m := ms[len(ms)-1]
		addr = piece[m[2]:m[3]]
		name = piece[:m[0]] + piece[m[1]:]
	} else if m := looseAddr.FindStringIndex(piece); m != nil {
		addr = piece[m[0]:m[1]]
		name = piece[:m[0]] + piece[m[1]:]
	} else {
		return Address{}, false
	}
	addr = normaliseAddress(addr)
	if addr == "" {
		return Address{}, false
	}
	name = strings.NewReplacer("<", "", ">", "").Replace(name)
	name = decodeHeader(strings.TrimSpace(name))
	return Address{Name: cleanName(name, addr), Email: addr}, true
}

// stripComments removes RFC 5322 comments, "(...)" outside quoted strings
// and domain literals, nested and with backslash escapes, replacing each
// with a space. They may stand anywhere CFWS may, even inside an addr-spec
// (RFC 5322 appendix A.5: <pete(his account)@silly.test(his host)>), where
// net/mail does not expect them.
func stripComments(v string) string {
	if !strings.Contains(v, "(") {
		return v
	}
	var b strings.Builder
	depth := 0
	quoted, literal := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(v):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(v[i+1])
			}
			i++
			continue
		case depth > 0:
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					b.WriteByte(' ')
				}
			}
			continue
		case quoted:
			if c == '"' {
				quoted = false
			}
		case literal:
			if c == ']' {
				literal = false
			}
		case c == '"':
			quoted = true
		case c == '[':
			literal = true
		case c == '(':
			depth = 1
			continue
		}
		b.WriteByte(c)
	}
	return tightenAddrSpec(b.String())
}

// tightenAddrSpec closes the gaps a removed comment leaves inside an
// addr-spec ("pete @silly.test ", "c@ public.example") so that it parses.
var addrSpecGap = regexp.MustCompile(`\s*@\s*`)

func tightenAddrSpec(v string) string {
	if !strings.Contains(v, "@") {
		return v
	}
	var b strings.Builder
	quoted := false
	last := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			if i == 0 || v[i-1] != '\\' {
				if !quoted {
					b.WriteString(addrSpecGap.ReplaceAllString(v[last:i], "@"))
					last = i
				} else {
					b.WriteString(v[last : i+1])
					last = i + 1
				}
				quoted = !quoted
			}
		}
	}
	if quoted {
		b.WriteString(v[last:])
	} else {
		b.WriteString(addrSpecGap.ReplaceAllString(v[last:], "@"))
	}
	return b.String()
}

// flattenGroups replaces RFC 5322 group syntax ("Team: a@x, b@y;") by its
// members: the group name is not an address, and an empty group (undisclosed
// recipients) has none.
func flattenGroups(v string) string {
	if !strings.ContainsAny(v, ":;") {
		return v
	}
	var pieces []string
	for _, piece := range splitAddressPieces(v) {
		piece = strings.TrimSpace(piece)
		if name, rest, ok := cutOutside(piece, ':'); ok && !strings.ContainsAny(name, "<@") {
			piece = strings.TrimSpace(rest)
		}
		for _, p := range splitOutside(piece, ';') {
			if p = strings.TrimSpace(p); p != "" {
				pieces = append(pieces, p)
			}
		}
	}
	return strings.Join(pieces, ", ")
}

// splitAddressPieces splits on commas outside double quotes and angle
// brackets.
func splitAddressPieces(v string) []string { return splitOutside(v, ',') }

func splitOutside(v string, sep byte) []string {
	var pieces []string
	for {
		before, after, ok := cutOutside(v, sep)
		pieces = append(pieces, before)
		if !ok {
			return pieces
		}
		v = after
	}
}

// cutOutside cuts v at the first sep outside double quotes and angle brackets.
func cutOutside(v string, sep byte) (before, after string, found bool) {
	quoted, angle := false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == sep && !angle:
			return v[:i], v[i+1:], true
		}
	}
	return v, "", false
}

func normaliseAddress(a string) string {
	a = strings.TrimSpace(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return ""
	}
	return a[:at] + "@" + strings.ToLower(a[at+1:])
}

// cleanName trims quotes and whitespace from a display name and drops it
// when it merely repeats the address ("jane@example.com" <jane@example.com>).
func cleanName(name, addr string) string {
	name = cleanHeaderText(name)
	name = strings.TrimSpace(strings.Trim(name, `"'`))
	if strings.EqualFold(name, addr) {
		return ""
	}
	return name
}
