// Package mailtest runs real mail infrastructure on loopback for tests: an
// SMTP server that records what it receives and can be told to refuse, and an
// authoritative DNS server whose TXT records a test sets.
//
// The servers speak the real protocols over real sockets, so the code under
// test exercises the same dialing, TLS, SMTP and DNS code paths it uses in
// production. Everything is torn down through t.Cleanup.
package mailtest
