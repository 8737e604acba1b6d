// Package redact rewrites Clustr deliveries so that a capture can be shared:
// it replaces email addresses, LinkedIn URLs, engagement comments and custom
// values with placeholders, and leaves everything else, numbers above all,
// exactly as sent.
//
// A placeholder carries a short keyed hash of the value it replaces, so the
// same person has the same placeholder everywhere a Redactor is used, while
// someone holding only the output cannot guess the value back from a list
// of likely addresses without the key.
package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// hashLen is the number of hex digits of the keyed hash in a placeholder:
// 32 bits, enough that two people of one capture share one by chance
// about once in tens of thousands of captures of 10,000 people.
const hashLen = 8

// Redactor replaces sensitive values with placeholders made with its key.
// It is safe for concurrent use.
type Redactor struct {
	key []byte
}

// New returns a Redactor whose placeholders are keyed with key. The same
// key gives the same placeholder for the same value; callers sharing one
// file pick a random key per run, so that placeholders of two shared files
// cannot be matched with each other.
func New(key []byte) *Redactor {
	return &Redactor{key: append([]byte(nil), key...)}
}

// emailPattern finds email addresses inside any text.
var emailPattern = regexp.MustCompile(
	`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)

// Field names that Text treats specially; any other field only has the
// email addresses and LinkedIn URLs in its text replaced.
const (
	// FieldComment is the text of an engagement comment.
	FieldComment = "comment"

	// FieldCustom is a leaf value of the custom object.
	FieldCustom = "custom"
)

// Text redacts one value of the field named field: a field whose name ends
// in linkedin_url (as prospect_linkedin_url) becomes a LinkedIn
// placeholder, one whose name ends in email an email placeholder,
// FieldComment a comment placeholder and FieldCustom a custom placeholder.
// In any other field, text containing linkedin.com becomes a LinkedIn
// placeholder and every email address in it an email placeholder. An empty
// value stays empty.
func (r *Redactor) Text(field, value string) string {
	if value == "" {
		return value
	}
	switch {
	case field == FieldComment:
		return "[comment " + r.hash(value) + " redacted]"
	case field == FieldCustom:
		return "custom-" + r.hash(value)
	case strings.HasSuffix(field, "linkedin_url"):
		return r.profile(value)
	case strings.HasSuffix(field, "email"):
		if !emailPattern.MatchString(value) {
			// Not an address anyone could write to, but still what the
			// sender put where an address goes.
			return r.email(value)
		}
	}
	if strings.Contains(strings.ToLower(value), "linkedin.com") {
		return r.profile(value)
	}
	return emailPattern.ReplaceAllStringFunc(value, r.email)
}

// email is the placeholder of an email address; addresses are compared
// case-blind, as mail servers compare their domains and most their names.
func (r *Redactor) email(address string) string {
	return "person-" + r.hash(strings.ToLower(address)) + "@redacted.invalid"
}

// profile is the placeholder of a LinkedIn URL.
func (r *Redactor) profile(url string) string {
	return "https://www.linkedin.com/in/redacted-" + r.hash(url)
}

// hash is the first hashLen hex digits of the HMAC-SHA256 of value.
func (r *Redactor) hash(value string) string {
	mac := hmac.New(sha256.New, r.key)
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))[:hashLen]
}
