package inbound

import (
	"bufio"
	"bytes"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// detectBounce recognises a delivery status notification. A structured DSN
// (RFC 3464: multipart/report; report-type=delivery-status, or any
// message/delivery-status part) is read field by field. A classic bounce,
// plain text from MAILER-DAEMON as older servers and some hosted providers
// still send, is read heuristically from its text.
func detectBounce(e *Email, root *enmime.Part) *Bounce {
	var status, original *enmime.Part
	isReport := false
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		switch p.ContentType {
		case "multipart/report":
			if _, params, _, err := mediatype.Parse(p.Header.Get("Content-Type")); err == nil &&
				strings.EqualFold(params["report-type"], "delivery-status") {
				isReport = true
			}
		case "message/delivery-status", "message/global-delivery-status":
			if status == nil {
				status = p
			}
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
			if original == nil {
				original = p
			}
		}
		return false
	})

	if isReport || status != nil {
		b := &Bounce{}
		if status != nil {
			parseDeliveryStatus(status.Content, b)
		}
		if original != nil {
			b.OriginalMessageID = messageIDInHeaders(original.Content)
		}
		if b.OriginalMessageID == "" {
			b.OriginalMessageID = ownReference(e)
		}
		return b
	}

	if !looksLikeClassicBounce(e) {
		return nil
	}
	b := &Bounce{Action: "failed"}
	if original != nil {
		b.OriginalMessageID = messageIDInHeaders(original.Content)
	}
	if b.OriginalMessageID == "" {
		if m := quotedMessageID.FindStringSubmatch(e.Text); m != nil {
			b.OriginalMessageID = firstMsgID(m[1])
		}
	}
	if b.OriginalMessageID == "" {
		b.OriginalMessageID = ownReference(e)
	}
	if m := enhancedStatus.FindString(e.Text); m != "" {
		b.Status = m
	}
	if m := smtpReply.FindString(e.Text); m != "" {
		b.Diagnostic = cleanHeaderText(m)
	} else if b.Status != "" {
		// qmail and friends explain in prose: "Sorry, no mailbox here by
		// that name. (#5.1.1)". The line carrying the status is the reason.
		for _, line := range strings.Split(e.Text, "\n") {
			if strings.Contains(line, b.Status) {
				b.Diagnostic = cleanHeaderText(line)
				break
			}
		}
	}
	for _, m := range looseAddr.FindAllString(e.Text, 20) {
		addr := normaliseAddress(strings.Trim(m, ".:"))
		if addr != "" && !strings.EqualFold(addr, e.From.Email) && !isDaemon(addr) {
			b.Recipient = addr
			break
		}
	}
	return b
}

var (
	quotedMessageID = regexp.MustCompile(`(?im)^[ \t>]*Message-I[Dd]:[ \t]*(<[^>\r\n]+>)`)
	enhancedStatus  = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)
	smtpReply       = regexp.MustCompile(`(?m)\b[45]\d\d[ -][^\r\n]{3,300}`)
	bounceSubject   = regexp.MustCompile(`(?i)undeliver|delivery (?:status notification|failure|has failed)|mail delivery failed|returned mail|failure notice|non[- ]?delivery|unzustellbar|nicht zugestellt`)
)

// looksLikeClassicBounce requires a machine sender: From MAILER-DAEMON, or
// postmaster with a bounce-like subject, or the null reverse-path
// (Return-Path: <>, which RFC 5321 reserves for notifications) with the
// subject or the text of a known bounce, qmail's included ("This is the
// qmail-send program", "--- Below this line is a copy of the message.").
// Text heuristics alone would misfire on customers forwarding a bounce to
// support, and a human postmaster also writes ordinary mail.
func looksLikeClassicBounce(e *Email) bool {
	local, _, _ := strings.Cut(strings.ToLower(e.From.Email), "@")
	switch local {
	case "mailer-daemon":
		return true
	case "postmaster":
		return bounceSubject.MatchString(e.Subject)
	}
	if strings.TrimSpace(e.Header.Get("Return-Path")) == "<>" {
		return bounceSubject.MatchString(e.Subject) || bounceText.MatchString(e.Text)
	}
	return false
}

// bounceText matches the fixed sentences of bounce generators.
var bounceText = regexp.MustCompile(`(?m)^Hi\. This is the qmail-send program|^--- Below this line is a copy of the message\.|wasn't able to deliver your message to the following addresses`)

func isDaemon(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	return local == "mailer-daemon" || local == "postmaster"
}

// ownReference falls back to what the bounce itself says it answers; many
// servers set In-Reply-To to the message that failed.
func ownReference(e *Email) string {
	if e.InReplyTo != "" {
		return e.InReplyTo
	}
	if n := len(e.References); n > 0 {
		return e.References[n-1]
	}
	return ""
}

// parseDeliveryStatus reads the RFC 3464 field groups: the first describes
// the message, each later one a recipient. The first failed recipient is
// reported, or the first recipient when none failed (a delay or success
// notice), so Action tells the domain which case it is.
func parseDeliveryStatus(content []byte, b *Bounce) {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(content)))
	var groups []textproto.MIMEHeader
	for i := 0; i < 100; i++ {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			groups = append(groups, h)
		}
		if err != nil {
			break
		}
	}
	var chosen textproto.MIMEHeader
	for _, g := range groups {
		if g.Get("Final-Recipient") == "" && g.Get("Original-Recipient") == "" && g.Get("Action") == "" {
			continue // the per-message group
		}
		if chosen == nil {
			chosen = g
		}
		if strings.EqualFold(strings.TrimSpace(g.Get("Action")), "failed") {
			chosen = g
			break
		}
	}
	if chosen == nil {
		return
	}
	b.Recipient = typedValue(chosen.Get("Final-Recipient"))
	if b.Recipient == "" {
		b.Recipient = typedValue(chosen.Get("Original-Recipient"))
	}
	if b.Recipient != "" {
		b.Recipient = normaliseAddress(strings.Trim(b.Recipient, "<>"))
	}
	b.Action = strings.ToLower(cleanHeaderText(chosen.Get("Action")))
	if s := strings.Fields(chosen.Get("Status")); len(s) > 0 {
		b.Status = s[0]
	}
	b.Diagnostic = cleanHeaderText(typedValue(chosen.Get("Diagnostic-Code")))
}

// typedValue strips the address or diagnostic type: "rfc822; jane@example.com"
// becomes "jane@example.com".
func typedValue(v string) string {
	if _, after, ok := strings.Cut(v, ";"); ok {
		v = after
	}
	return strings.TrimSpace(v)
}

// messageIDInHeaders reads the Message-ID from a returned message or its
// headers. Only the header section is read; the returned body is ignored.
func messageIDInHeaders(content []byte) string {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(content)))
	h, _ := r.ReadMIMEHeader()
	return firstMsgID(h.Get("Message-Id"))
}
