package ticket0_test

import (
	"strings"
	"testing"
)

// FuzzReplyBody posts random bodies to POST /v1/tickets/{id}/messages of the
// real handler, with a verified domain and inbox so that valid replies are
// possible: the answer is never a 5xx, an error is in the resource's format,
// and an answer that is not a success stores (and so queues) nothing.
func FuzzReplyBody(f *testing.F) {
	e := newEnv(f)
	inbox := e.sendingSetup(e.WS, "acme.test", "Acme", "sig")
	_, tk := e.emailTicket(e.WS, "jane@example.com", "Jane", "Smith", "Order")
	user := userID(e.WS.Owner)
	valid := `{"fromAddress": "` + inbox + `", "bodyText": "hi", "userId": "` + user + `"}`
	for _, s := range []string{
		valid,
		strings.Replace(valid, `"hi"`, `"hi", "bodyHtml": "<p>hi</p>", "subject": "S", "ccAddresses": ["a@b.test"]`, 1),
		strings.Replace(valid, `"hi"`, `"hi", "ccAddresses": ["not an address", 3]`, 1),
		strings.Replace(valid, `"hi"`, `"hi", "isInternal": true`, 1),
		strings.Replace(valid, `"hi"`, `"\u0000"`, 1),
		strings.Replace(valid, user, "user_"+strings.Repeat("7", 26), 1),
		strings.Replace(valid, user, "user_"+strings.Repeat("8", 26), 1),
		strings.Replace(valid, inbox, "SUPPORT@ACME.TEST", 1),
		`{"fromAddress": null, "bodyText": [], "userId": {}}`,
		`{`, `[]`, `null`, `""`, ``, `{"bodyText": "x"} x`,
	} {
		f.Add(s)
	}
	path := msgPath(tk)
	f.Fuzz(func(t *testing.T, body string) {
		e.T = t
		before := e.total(e.WS, tk)
		r := e.As(e.WS.Key, "POST", path, body)
		if r.Status >= 500 {
			t.Fatalf("%d for %q: %s", r.Status, body, r.Body)
		}
		if r.Status >= 400 {
			code := map[int]string{400: "VALIDATION_ERROR", 404: "NOT_FOUND", 413: "PAYLOAD_TOO_LARGE"}[r.Status]
			expectError(t, r, r.Status, code, "")
			if after := e.total(e.WS, tk); after != before {
				t.Fatalf("a %d answer to %q stored something (%d → %d)", r.Status, body, before, after)
			}
		} else if r.Status != 201 {
			t.Fatalf("%d for %q", r.Status, body)
		}
	})
}
