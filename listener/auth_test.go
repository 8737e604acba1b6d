package listener_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/clustr/clustr-explorer/listener"
)

const testSecret = "s3cret-Path-Segment_0123"

// TestSecretRefusesStrangers checks that, with a secret, a POST that does
// not carry it is answered 401, counted, logged and not stored, and that
// the answer tells nothing of the secret.
func TestSecretRefusesStrangers(t *testing.T) {
	c := startCapture(t, listener.Options{Secret: testSecret})
	doc := readFixture(t, "doc-completed.json")

	cases := []struct {
		name, path string
		header     map[string]string
	}{
		{"no secret at all", "", nil},
		{"another webhook path", "hooks/clustr", nil},
		{"a wrong secret", "hooks/" + strings.ToUpper(testSecret), nil},
		{"the secret cut short", "hooks/" + testSecret[:len(testSecret)-1], nil},
		{"the secret and more", "hooks/" + testSecret + "x", nil},
		{"the secret below the path", "hooks/" + testSecret + "/more", nil},
		{"the secret elsewhere", "other/" + testSecret, nil},
		{"the health path", "healthz", nil},
		{"a wrong header", "", map[string]string{listener.SecretHeader: "guess"}},
		{"an empty header", "hooks/x", map[string]string{listener.SecretHeader: ""}},
		{"the secret as a bearer", "", map[string]string{"Authorization": "Bearer " + testSecret}},
	}
	for i, tc := range cases {
		a := post(t, c.url+tc.path, doc, tc.header)
		msg, _ := a.json["error"].(string)
		if a.code != http.StatusUnauthorized || a.json["ok"] != false ||
			!strings.Contains(msg, "secret webhook URL") {
			t.Errorf("%s: answered %d %s, want 401 naming the secret URL", tc.name, a.code, a.raw)
		}
		if strings.Contains(string(a.raw), testSecret) {
			t.Errorf("%s: the answer gives the secret away: %s", tc.name, a.raw)
		}
		if _, ok := a.json["seq"]; ok {
			t.Errorf("%s: a refused delivery is given a seq: %s", tc.name, a.raw)
		}
		if got := c.listener.Unauthorized(); got != uint64(i+1) {
			t.Errorf("%s: %d refusals counted, want %d", tc.name, got, i+1)
		}
	}

	if n, err := c.store.Count(); err != nil || n != 0 {
		t.Errorf("refused deliveries were stored: %d (%v)", n, err)
	}
	if n := strings.Count(c.log.String(), `msg="delivery refused: no secret"`); n != len(cases) {
		t.Errorf("%d refusals logged, want %d:\n%s", n, len(cases), c.log.String())
	}
}

// TestSecretAccepts checks that the secret path and the secret header are
// accepted, and that the secret is kept out of the file and the log.
func TestSecretAccepts(t *testing.T) {
	c := startCapture(t, listener.Options{Secret: testSecret})
	doc := readFixture(t, "doc-completed.json")

	cases := []struct {
		name, path string
		header     map[string]string
		storedPath string
	}{
		{"the secret path", "hooks/" + testSecret, nil, "/hooks/[secret]"},
		{"the secret path and a query", "hooks/" + testSecret + "?batch=7", nil,
			"/hooks/[secret]?batch=7"},
		{"the header on the root", "", map[string]string{listener.SecretHeader: testSecret}, "/"},
		{"the header on any path", "hooks/clustr?x=1",
			map[string]string{listener.SecretHeader: testSecret}, "/hooks/clustr?x=1"},
	}
	for _, tc := range cases {
		a := post(t, c.url+tc.path, doc, tc.header)
		if a.code != http.StatusOK || a.json["ok"] != true {
			t.Fatalf("%s: answered %d %s, want 200", tc.name, a.code, a.raw)
		}

		rec, err := c.store.Record(seqOf(t, a))
		if err != nil {
			t.Fatalf("%s: record: %v", tc.name, err)
		}
		if rec.Request.Path != tc.storedPath {
			t.Errorf("%s: stored path %q, want %q", tc.name, rec.Request.Path, tc.storedPath)
		}
		encoded, _ := json.Marshal(rec)
		if strings.Contains(string(encoded), testSecret) {
			t.Errorf("%s: the stored record holds the secret: %s", tc.name, encoded)
		}
		if tc.header != nil {
			got := rec.Request.Header[listener.SecretHeader]
			if len(got) != 1 || got[0] != "[secret]" {
				t.Errorf("%s: stored secret header %q, want it redacted", tc.name, got)
			}
		}
	}

	if got := c.listener.Unauthorized(); got != 0 {
		t.Errorf("%d refusals counted, want none", got)
	}
	if strings.Contains(c.log.String(), testSecret) {
		t.Errorf("the log holds the secret:\n%s", c.log.String())
	}
}

// TestSecretStatusStaysOpen checks that the status paths answer without
// the secret and tell no more than the number of deliveries stored.
func TestSecretStatusStaysOpen(t *testing.T) {
	c := startCapture(t, listener.Options{Secret: testSecret, Version: "1.2.3"})
	post(t, c.url, []byte(`{}`), nil) // refused and counted

	for _, path := range []string{"", "healthz"} {
		a := send(t, http.MethodGet, c.url+path, nil, nil)
		if a.code != http.StatusOK || a.json["deliveries"] != float64(0) {
			t.Errorf("GET /%s: %d %s", path, a.code, a.raw)
		}
		if len(a.json) != 4 || strings.Contains(string(a.raw), testSecret) {
			t.Errorf("GET /%s tells more than the status: %s", path, a.raw)
		}
	}

	// Other methods are refused as before, without the secret being asked.
	a := send(t, http.MethodGet, c.url+"hooks/"+testSecret, nil, nil)
	if a.code != http.StatusMethodNotAllowed || a.header.Get("Allow") != "POST" {
		t.Errorf("GET of the secret path: %d %s", a.code, a.raw)
	}
}

// TestNewSecret checks that generated secrets are URL-safe, long enough
// and different each time, and that chosen ones are checked.
func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := listener.NewSecret()
		if len(s) != 22 || listener.CheckSecret(s) != nil || seen[s] {
			t.Fatalf("NewSecret gave %q (%v), or gave it twice", s, listener.CheckSecret(s))
		}
		seen[s] = true
	}

	badSecrets := []string{"", "short", "fifteen-chars-x", "with/a/slash", "with space in it!"}
	for _, bad := range badSecrets {
		if err := listener.CheckSecret(bad); err == nil {
			t.Errorf("CheckSecret(%q) accepted it", bad)
		}
	}
	if err := listener.CheckSecret(testSecret); err != nil {
		t.Errorf("CheckSecret(%q): %v", testSecret, err)
	}
}
