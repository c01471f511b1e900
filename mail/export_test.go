package mail

import "github.com/ticketd/ticketd/mail/inbound"

// SetParser replaces the parser ParseSpooled runs until the returned
// function restores it.
func SetParser(fn func(inbound.Parser, *inbound.Spool) (*inbound.Email, error)) (restore func()) {
	old := parseMessage
	parseMessage = fn
	return func() { parseMessage = old }
}
