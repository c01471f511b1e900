// Package inbound holds the building blocks of inbound email: a lenient,
// bounded RFC 5322/MIME parser that turns raw bytes into plain structs, and an
// SMTP listener that accepts mail for monitored inboxes and hands each message
// to a Handler.
//
// The package knows nothing of tickets, workspaces or storage. The domain
// decides what an email means (which ticket it threads into, whether it is a
// duplicate, whom to auto-acknowledge); this package only reports what the
// message says, including the facts the domain needs for those decisions:
// Message-ID, In-Reply-To, References, whether a machine sent it
// (Email.AutoSubmitted) and whether it is a bounce (Email.Bounce).
//
// Both ingest paths, SMTP and an HTTP upload of message/rfc822, are expected to
// pass the same raw bytes to the same domain function, which calls Parse. For
// that reason the SMTP listener does not rewrite the message (no Received or
// Return-Path header is prepended): the envelope travels beside it in Envelope.
package inbound
