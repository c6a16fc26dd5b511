package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
)

// A page reached after a change says what was done ("Saved.", "Hold
// placed.") from its query: done is the message, ds its signature with the
// session's CSRF token. A page shows the message only when the signature
// holds, so that a link made elsewhere cannot put words of its choosing on
// a chartscan page.

// flashSig signs msg for the session whose CSRF token is csrf.
func flashSig(csrf, msg string) string {
	mac := hmac.New(sha256.New, []byte(csrf))
	mac.Write([]byte("flash\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// withFlash adds msg, signed, to the query v and returns v.
func withFlash(v url.Values, csrf, msg string) url.Values {
	v.Set("done", msg)
	v.Set("ds", flashSig(csrf, msg))
	return v
}

// flashQuery is the query of a page that says msg.
func flashQuery(csrf, msg string) string { return withFlash(url.Values{}, csrf, msg).Encode() }

// flashOf returns the message the query q carries for the session whose
// CSRF token is csrf, "" for none or one not signed for it.
func flashOf(q url.Values, csrf string) string {
	msg := q.Get("done")
	if msg == "" || csrf == "" || !hmac.Equal([]byte(q.Get("ds")), []byte(flashSig(csrf, msg))) {
		return ""
	}
	return msg
}
