package listener

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/clustr/clustr-explorer/storage"
)

// SecretHeader is the header that may carry the secret instead of the path,
// for senders that cannot put it in the URL.
const SecretHeader = "X-Clustr-Explorer-Secret"

// hooksPrefix is where the secret sits in a webhook path: /hooks/SECRET.
const hooksPrefix = "/hooks/"

// redacted stands for the secret in what is stored and logged, so that a
// capture file given to someone else does not let them write into it.
const redacted = "[secret]"

// minSecretLength keeps a chosen secret long enough that it cannot be
// guessed through a public tunnel in any useful time; maxSecretLength keeps
// it short enough to fit the request line and headers the listener takes.
const (
	minSecretLength = 16
	maxSecretLength = 256
)

// NewSecret returns a random secret of 22 URL-safe characters (128 bits),
// for --secret auto.
func NewSecret() string {
	// crypto/rand.Read never fails; it crashes the program instead.
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CheckSecret reports whether secret can be used as the path segment of a
// webhook URL and is too long to guess.
func CheckSecret(secret string) error {
	if len(secret) < minSecretLength {
		return fmt.Errorf("the secret is %d characters long; give at least %d, "+
			"or auto for a random one", len(secret), minSecretLength)
	}
	if len(secret) > maxSecretLength {
		return fmt.Errorf("the secret is %d characters long; give at most %d, "+
			"or auto for a random one", len(secret), maxSecretLength)
	}
	if i := strings.IndexFunc(secret, func(r rune) bool { return !urlSafe(r) }); i >= 0 {
		return fmt.Errorf("the secret holds %q, which a URL path would have to escape; "+
			"use only letters, digits, '-', '_', '.' and '~', or auto", secret[i:i+1])
	}
	return nil
}

// urlSafe reports whether r is an unreserved URL character.
func urlSafe(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("-_.~", r)
}

// HookPath is the webhook path that carries secret.
func HookPath(secret string) string { return hooksPrefix + secret }

// digest is the SHA-256 of a credential. Comparing digests rather than the
// credentials themselves takes the same time whatever their lengths.
type digest [sha256.Size]byte

// digestOf returns the digest of a credential, or nil when there is none.
func digestOf(credential string) *digest {
	if credential == "" {
		return nil
	}
	d := digest(sha256.Sum256([]byte(credential)))
	return &d
}

// matches reports, in constant time, whether offered is the credential.
func (d *digest) matches(offered string) bool {
	sum := sha256.Sum256([]byte(offered))
	return subtle.ConstantTimeCompare(d[:], sum[:]) == 1
}

// authorized reports whether a POST may deliver: always without a secret,
// else when its path or its header carries it.
func (l *Listener) authorized(r *http.Request) bool {
	if l.secret == nil {
		return true
	}
	return l.byPath(r) || l.byHeader(r)
}

// byPath reports whether the request's path is /hooks/SECRET.
func (l *Listener) byPath(r *http.Request) bool {
	offered, ok := strings.CutPrefix(r.URL.Path, hooksPrefix)
	// Both comparisons run, so the time does not tell the prefix apart.
	return l.secret.matches(offered) && ok
}

// byHeader reports whether the request carries the secret in SecretHeader.
func (l *Listener) byHeader(r *http.Request) bool {
	values := r.Header.Values(SecretHeader)
	return len(values) == 1 && l.secret.matches(values[0])
}

// refuseUnauthorized answers a POST without the secret. It is counted and
// logged so that the user sees a sender with the wrong URL, or a stranger.
func (l *Listener) refuseUnauthorized(w http.ResponseWriter, r *http.Request) {
	l.unauthorized.Add(1)
	// A near miss (/hooks/SECRET/, //hooks/SECRET) holds the secret too.
	path := r.URL.Path
	if l.secretText != "" {
		path = strings.ReplaceAll(path, l.secretText, redacted)
	}
	l.log.Warn("delivery refused: no secret", "remote", r.RemoteAddr,
		"forwarded_for", r.Header.Get("X-Forwarded-For"), "path", path)

	l.refuseUnread(w, r)
	writeJSON(w, http.StatusUnauthorized, refusal{
		Error: "this listener takes deliveries only at its secret webhook URL " +
			"(/hooks/SECRET) or with the " + SecretHeader + " header; " +
			"check the webhook_url given to Clustr",
	})
}

// redact replaces the secret by redacted wherever the request carried it
// in req, the metadata to be stored, and returns the path to log.
func (l *Listener) redact(r *http.Request, req *storage.Request) (logPath string) {
	if l.secret == nil {
		return r.URL.Path
	}

	logPath = r.URL.Path
	if l.byPath(r) {
		logPath = hooksPrefix + redacted
		req.Path = logPath
		if r.URL.RawQuery != "" {
			req.Path += "?" + r.URL.RawQuery
		}
	}
	if _, ok := req.Header[http.CanonicalHeaderKey(SecretHeader)]; ok {
		req.Header[http.CanonicalHeaderKey(SecretHeader)] = []string{redacted}
	}
	return logPath
}
