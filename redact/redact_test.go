package redact_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/clustr/clustr-explorer/redact"
)

const fixtures = "../testdata/fixtures"

var (
	emailAddress = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	emailHolder  = regexp.MustCompile(`^person-[0-9a-f]{8}@redacted\.invalid$`)
	urlHolder    = regexp.MustCompile(`^https://www\.linkedin\.com/in/redacted-[0-9a-f]{8}$`)
	commentHold  = regexp.MustCompile(`^\[comment [0-9a-f]{8} redacted\]$`)
	customHolder = regexp.MustCompile(`^custom-[0-9a-f]{8}$`)
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return body
}

// secrets are the values of a body that must not survive redaction.
type secrets struct {
	emails, urls, comments, custom []string
}

func (s secrets) all() []string {
	return slices.Concat(s.emails, s.urls, s.comments, s.custom)
}

// token is one token of a body as a test compares it: its kind, and its
// text unless it is a string value or a number inside custom.
type token struct {
	kind jsontext.Kind
	text string
}

// walk reads body token by token; it returns the shape of the body and
// the strings that sit where redaction must hide them.
func walk(t *testing.T, body []byte) ([]token, secrets, []string) {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	var (
		shape   []token
		found   secrets
		strs    []string
		names   []string // the member names on the way to the current value
		pending string   // the name of the member whose value comes next
	)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		kind := tok.Kind()
		inCustom := slices.Contains(names, "custom") || pending == "custom"
		parent, length := dec.StackIndex(dec.StackDepth())
		isName := kind == '"' && parent == '{' && length%2 == 1
		switch {
		case isName:
			pending = tok.String()
			shape = append(shape, token{kind, pending})
			continue
		case kind == '"':
			s := tok.String()
			strs = append(strs, s)
			shape = append(shape, token{kind: kind})
			switch {
			case inCustom:
				found.custom = append(found.custom, s)
			case pending == "text" && slices.Contains(names, "history"):
				found.comments = append(found.comments, s)
			case strings.Contains(s, "linkedin.com"):
				found.urls = append(found.urls, s)
			}
			found.emails = append(found.emails, emailAddress.FindAllString(s, -1)...)
		case kind == '0' && inCustom:
			shape = append(shape, token{kind: kind})
		case kind == '{' || kind == '[':
			shape = append(shape, token{kind: kind})
			names = append(names, pending)
		case kind == '}' || kind == ']':
			shape = append(shape, token{kind: kind})
			names = names[:len(names)-1]
		default:
			shape = append(shape, token{kind, tok.String()})
		}
		pending = ""
	}
	return shape, found, strs
}

// TestBodyFixtures redacts the reference payloads and checks that nothing
// to hide survives, that placeholders stand in its place and that all else
// is as sent.
func TestBodyFixtures(t *testing.T) {
	r := redact.New([]byte("test key"))
	for _, name := range []string{
		"doc-full-history.json", "doc-completed.json", "edge-loose-types.json",
		"edge-escape.json",
	} {
		t.Run(name, func(t *testing.T) {
			body := readFixture(t, name)
			out, err := r.Body(body)
			if err != nil {
				t.Fatalf("Body: %v", err)
			}
			if !json.Valid(out) {
				t.Fatalf("output is not JSON:\n%s", out)
			}

			inShape, found, _ := walk(t, body)
			outShape, _, outStrings := walk(t, out)
			if len(found.emails) == 0 || len(found.urls) == 0 || len(found.custom) == 0 &&
				!strings.Contains(name, "loose") {
				t.Fatalf("fixture has too little to hide: %+v", found)
			}
			if strings.Contains(string(body), `"text"`) && len(found.comments) == 0 {
				t.Fatalf("the test found none of the comments of %s", name)
			}
			if !slices.Equal(inShape, outShape) {
				t.Errorf("keys, order or numbers changed:\n in %v\nout %v", inShape, outShape)
			}

			for _, s := range outStrings {
				for _, secret := range found.all() {
					if strings.Contains(s, secret) {
						t.Errorf("output string %q still holds %q", s, secret)
					}
				}
				if strings.Contains(s, "linkedin.com") && !urlHolder.MatchString(s) {
					t.Errorf("output holds the LinkedIn URL %q", s)
				}
				if emailAddress.MatchString(s) &&
					!emailHolder.MatchString(emailAddress.FindString(s)) {
					t.Errorf("output holds the address %q", s)
				}
			}
			for _, secret := range slices.Concat(found.emails, found.urls) {
				if bytes.Contains(out, []byte(secret)) {
					t.Errorf("output bytes still hold %q", secret)
				}
			}
		})
	}
}

// TestBodyPlaceholders checks what stands in for each kind of value.
func TestBodyPlaceholders(t *testing.T) {
	r := redact.New([]byte("test key"))
	out, err := r.Body(readFixture(t, "doc-full-history.json"))
	if err != nil {
		t.Fatalf("Body: %v", err)
	}
	var doc struct {
		Results []struct {
			Client struct {
				Name        string `json:"name"`
				LinkedinURL string `json:"linkedin_url"`
				OwnerEmail  string `json:"owner_email"`
			} `json:"client"`
			Opportunities []struct {
				Engagement struct {
					History []struct {
						Type string `json:"type"`
						Text string `json:"text"`
						Link string `json:"link"`
					} `json:"history"`
				} `json:"engagement"`
			} `json:"opportunities"`
		} `json:"results"`
		Custom map[string]any `json:"custom"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not the payload: %v\n%s", err, out)
	}

	client := doc.Results[0].Client
	if client.Name != "John Doe" || !urlHolder.MatchString(client.LinkedinURL) ||
		!emailHolder.MatchString(client.OwnerEmail) {
		t.Errorf("client redacted as %+v", client)
	}
	history := doc.Results[0].Opportunities[0].Engagement.History
	if len(history) != 3 || history[1].Type != "PROSPECT_COMMENTED" ||
		!commentHold.MatchString(history[1].Text) || !urlHolder.MatchString(history[1].Link) {
		t.Errorf("history redacted as %+v", history)
	}
	for key, value := range doc.Custom {
		if s, ok := value.(string); !ok || !customHolder.MatchString(s) {
			t.Errorf("custom %s redacted as %v", key, value)
		}
	}
}

// TestSamePersonSamePlaceholder checks that a value has one placeholder in
// all the bodies one Redactor rewrites, and that other values and other
// keys have others.
func TestSamePersonSamePlaceholder(t *testing.T) {
	r := redact.New([]byte("test key"))
	client := func(email, profile string) string {
		return `{"client":{"owner_email":"` + email +
			`","linkedin_url":"https://www.linkedin.com/in/` + profile + `"}}`
	}
	body := []byte(`{"results":[` +
		client("alice@company.com", "john-doe") + "," +
		client("Alice@Company.com", "john-doe") + "," +
		client("bob@company.com", "jane-smith") + "]," +
		`"note":"write to alice@company.com or bob@company.com"}`)
	out, err := r.Body(body)
	if err != nil {
		t.Fatalf("Body: %v", err)
	}
	var doc struct {
		Results []struct {
			Client struct {
				Email string `json:"owner_email"`
				URL   string `json:"linkedin_url"`
			} `json:"client"`
		} `json:"results"`
		Note string `json:"note"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	a, a2, b := doc.Results[0].Client, doc.Results[1].Client, doc.Results[2].Client
	if a.Email != a2.Email || a.URL != a2.URL {
		t.Errorf("the same person became %+v and %+v", a, a2)
	}
	if a.Email == b.Email || a.URL == b.URL {
		t.Errorf("two people became %+v and %+v", a, b)
	}
	if want := "write to " + a.Email + " or " + b.Email; doc.Note != want {
		t.Errorf("note redacted as %q, want %q", doc.Note, want)
	}

	// Another body redacted with the same Redactor agrees; one with
	// another key does not.
	full, _ := r.Body(readFixture(t, "doc-full-history.json"))
	if !bytes.Contains(full, []byte(a.Email)) || !bytes.Contains(full, []byte(a.URL)) {
		t.Errorf("alice and john-doe have other placeholders in another body:\n%s", full)
	}
	other, _ := redact.New([]byte("another key")).Body(body)
	if bytes.Contains(other, []byte(a.Email)) {
		t.Errorf("another key gave the same placeholder %s", a.Email)
	}

	if got := r.Text("prospect_linkedin_url", "https://www.linkedin.com/in/john-doe"); got != a.URL {
		t.Errorf("Text gave %q for the URL that Body made %q", got, a.URL)
	}
	if got := r.Text("owner_email", "alice@company.com"); got != a.Email {
		t.Errorf("Text gave %q for the address that Body made %q", got, a.Email)
	}
}

// TestBodyNumbers checks that numbers outside custom keep every digit and
// their spelling, and that those inside become 0.
func TestBodyNumbers(t *testing.T) {
	r := redact.New([]byte("test key"))
	body := []byte(`{"summary":{"total_processed":123456789012345678901234567890,` +
		`"processing_time_seconds":1.50e3,"n":-0.0},` +
		`"custom":{"id":98765432109876543210,"ok":true,"none":null,"list":[1.5,"x"]}}`)
	out, err := r.Body(body)
	if err != nil {
		t.Fatalf("Body: %v", err)
	}
	want := `{"summary":{"total_processed":123456789012345678901234567890,` +
		`"processing_time_seconds":1.50e3,"n":-0.0},` +
		`"custom":{"id":0,"ok":true,"none":null,"list":[0,"` + r.Text("custom", "x") + `"]}}`
	if string(out) != want {
		t.Errorf("redacted as\n%s\nwant\n%s", out, want)
	}
}

// TestBodyNotJSON checks that a body that is not JSON is replaced whole.
func TestBodyNotJSON(t *testing.T) {
	r := redact.New([]byte("test key"))
	for _, name := range []string{"edge-not-json.txt", "edge-truncated.json"} {
		body := readFixture(t, name)
		out, err := r.Body(body)
		want := fmt.Sprintf("[body of %d bytes redacted: not JSON]", len(body))
		if err != nil || string(out) != want {
			t.Errorf("%s redacted as %q (%v), want %q", name, out, err, want)
		}
	}
	for _, body := range []string{"", "{} {}", `{"a":1} trailing`} {
		out, err := r.Body([]byte(body))
		want := fmt.Sprintf("[body of %d bytes redacted: not JSON]", len(body))
		if err != nil || string(out) != want {
			t.Errorf("%q redacted as %q (%v), want %q", body, out, err, want)
		}
	}
}
