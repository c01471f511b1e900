package inbound

import (
	"strings"
	"unicode"
)

// honorifics are dropped from the front of a display name so that
// "Dr. Jane Smith" greets Jane, not "Dr.".
var honorifics = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"herr": true, "frau": true, "mme": true, "mlle": true, "sr": true, "sra": true,
}

// SplitName splits a display name into a first and a last name for
// customer records and greetings. The rule is deliberately simple, because
// no rule is right for every culture and a predictable one is easy to correct:
//
//   - "Last, First" (one comma) is reversed: "Smith, Jane" → Jane, Smith.
//   - Otherwise the first word is the first name and the rest, particles
//     included, the last name: "Jean-Luc de la Croix" → Jean-Luc, "de la Croix";
//     "Mary Ann Smith" → Mary, "Ann Smith".
//   - A single word is a first name: "Jane" → Jane, "". Names written without
//     spaces (山田太郎) therefore land wholly in first.
//   - Surrounding quotes, a trailing "(comment)" or "[tag]" and a leading
//     honorific (Mr, Dr, Frau, ...) are dropped; a display name that is
//     itself an email address counts as empty.
//
// An empty display name yields "", "". To guess from the address instead,
// use Address.SplitName.
func SplitName(display string) (first, last string) {
	s := strings.TrimSpace(strings.Trim(strings.TrimSpace(display), `"'`))
	s = stripBracketed(s)
	if s == "" || strings.Contains(s, "@") {
		return "", ""
	}
	if before, after, ok := strings.Cut(s, ","); ok && !strings.Contains(after, ",") {
		last = strings.Join(strings.Fields(before), " ")
		first = strings.Join(strings.Fields(after), " ")
		if first != "" && last != "" {
			return first, last
		}
		s = strings.TrimSpace(before + " " + after)
	}
	words := strings.Fields(s)
	if len(words) > 1 && honorifics[strings.ToLower(strings.TrimSuffix(words[0], "."))] {
		words = words[1:]
	}
	if len(words) == 0 {
		return "", ""
	}
	return words[0], strings.Join(words[1:], " ")
}

// stripBracketed removes "(...)" and "[...]" groups, which senders use for
// company or department tags ("Jane Smith (ACME)").
func stripBracketed(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// roleLocalParts are mailbox names that are not a person; guessing a name
// from them would greet a customer as "Info".
var roleLocalParts = map[string]bool{
	"info": true, "support": true, "sales": true, "contact": true, "admin": true,
	"office": true, "hello": true, "noreply": true, "no-reply": true, "mail": true,
	"team": true, "billing": true, "help": true, "service": true, "kontakt": true,
}

// SplitName returns SplitName(a.Name) when the address has a display name.
// Without one it guesses from the local part, but only when the local part
// is clearly "first.last" (two or more alphabetic words joined by ".", "_"
// or "-"): jane.smith@ → Jane, Smith. Anything else ("jsmith", "info",
// "j.smith42") yields "", "", because a wrong guess in a greeting reads worse
// than the bare address the caller can fall back to.
func (a Address) SplitName() (first, last string) {
	if f, l := SplitName(a.Name); f != "" {
		return f, l
	}
	local, _, _ := strings.Cut(a.Email, "@")
	local, _, _ = strings.Cut(local, "+") // sub-addressing tag
	if roleLocalParts[strings.ToLower(local)] {
		return "", ""
	}
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	if len(words) < 2 {
		return "", ""
	}
	for i, w := range words {
		if len([]rune(w)) < 2 {
			return "", ""
		}
		for _, r := range w {
			if !unicode.IsLetter(r) {
				return "", ""
			}
		}
		words[i] = titleCase(w)
	}
	return words[0], strings.Join(words[1:], " ")
}

func titleCase(w string) string {
	r := []rune(strings.ToLower(w))
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
