package listener_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clustr/clustr-explorer/listener"
)

// rawClient is a TCP connection to a listener on which a test writes a
// request by hand, as a slow or broken sender would.
type rawClient struct {
	t    *testing.T
	conn net.Conn
}

func dialRaw(t *testing.T, base string) *rawClient {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rawClient{t: t, conn: conn}
}

// write sends text, failing the test unless the connection takes it.
func (c *rawClient) write(text string) {
	c.t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c.conn, text); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// answer reads the listener's answer, waiting at most wait.
func (c *rawClient) answer(wait time.Duration) (*http.Response, map[string]any) {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c.conn), nil)
	if err != nil {
		c.t.Fatalf("no answer within %v: %v", wait, err)
	}
	defer resp.Body.Close()

	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		c.t.Fatalf("the answer is not JSON: %v", err)
	}
	return resp, answer
}

// postHead is the head of a POST whose body follows with the given framing.
func postHead(framing string) string {
	return "POST /hooks/clustr HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
		"Content-Type: application/json\r\n" + framing + "\r\n\r\n"
}

// TestStalledBodyIsCutOff checks that a sender which sends its headers and
// a few bytes, then nothing, is answered 408 once the body has been idle
// for BodyIdleTimeout, and that nothing of it is stored.
func TestStalledBodyIsCutOff(t *testing.T) {
	const idle = 200 * time.Millisecond
	c := startCapture(t, listener.Options{BodyIdleTimeout: idle})

	cases := []struct{ name, framing, start string }{
		{"with a length", "Content-Length: 1000", `{"status":"comp`},
		{"chunked", "Transfer-Encoding: chunked", "10\r\n" + `{"status":"comp`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := dialRaw(t, c.url)
			raw.write(postHead(tc.framing))
			start := time.Now()
			raw.write(tc.start)

			resp, answer := raw.answer(5 * time.Second)
			waited := time.Since(start)
			msg, _ := answer["error"].(string)
			if resp.StatusCode != http.StatusRequestTimeout || answer["ok"] != false ||
				!strings.Contains(msg, "sent nothing for 200ms") {
				t.Errorf("answered %d %v, want 408 saying the body stalled",
					resp.StatusCode, answer)
			}
			if waited < idle-20*time.Millisecond || waited > 3*time.Second {
				t.Errorf("cut off after %v, want about %v", waited, idle)
			}
			if !resp.Close {
				t.Errorf("the connection is kept open after a body cut short")
			}
		})
	}

	if n, err := c.store.Count(); err != nil || n != 0 {
		t.Errorf("cut-off bodies were stored: %d (%v)", n, err)
	}
	if n := strings.Count(c.log.String(), `msg="delivery cut off"`); n != len(cases) {
		t.Errorf("%d cut-offs logged, want %d:\n%s", n, len(cases), c.log.String())
	}
}

// TestTricklingBodyIsCutOff checks that a body which never stalls for long
// but never ends either is cut off at BodyTimeout.
func TestTricklingBodyIsCutOff(t *testing.T) {
	const overall = 400 * time.Millisecond
	c := startCapture(t, listener.Options{BodyIdleTimeout: 200 * time.Millisecond,
		BodyTimeout: overall})

	raw := dialRaw(t, c.url)
	raw.write(postHead("Content-Length: 100000"))
	start := time.Now()

	// One byte every 20 ms, for at most 3 s: far past the cap, never idle.
	go func() {
		for range 150 {
			if _, err := raw.conn.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	resp, answer := raw.answer(5 * time.Second)
	waited := time.Since(start)
	msg, _ := answer["error"].(string)
	if resp.StatusCode != http.StatusRequestTimeout ||
		!strings.Contains(msg, "still arriving after 400ms") {
		t.Errorf("answered %d %v, want 408 naming the overall limit", resp.StatusCode, answer)
	}
	if waited < overall-20*time.Millisecond || waited > 3*time.Second {
		t.Errorf("cut off after %v, want about %v", waited, overall)
	}
	if n, err := c.store.Count(); err != nil || n != 0 {
		t.Errorf("the trickled body was stored: %d (%v)", n, err)
	}
}

// TestSlowSteadyBodyIsAccepted checks that the idle limit is one of
// progress: a body that takes several times BodyIdleTimeout to arrive, but
// never stops for that long, is stored.
func TestSlowSteadyBodyIsAccepted(t *testing.T) {
	const idle = 200 * time.Millisecond
	c := startCapture(t, listener.Options{BodyIdleTimeout: idle})
	doc := string(readFixture(t, "doc-completed.json"))

	raw := dialRaw(t, c.url)
	raw.write(postHead("Content-Length: " + strconv.Itoa(len(doc))))
	start := time.Now()
	const pieces = 6
	for i := range pieces {
		time.Sleep(idle / 2)
		raw.write(doc[i*len(doc)/pieces : (i+1)*len(doc)/pieces])
	}

	resp, answer := raw.answer(5 * time.Second)
	if resp.StatusCode != http.StatusOK || answer["job_id"] != "job_abc123" {
		t.Fatalf("answered %d %v after %v, want 200", resp.StatusCode, answer, time.Since(start))
	}
	if took := time.Since(start); took < 2*idle {
		t.Errorf("the body took %v, not long enough to show anything", took)
	}
}

// TestStalledHeadersAreCutOff checks that ReadHeaderTimeout still applies
// to a sender that never finishes its headers.
func TestStalledHeadersAreCutOff(t *testing.T) {
	c := startCapture(t, listener.Options{ReadHeaderTimeout: 200 * time.Millisecond})

	raw := dialRaw(t, c.url)
	raw.write("POST /hooks/clustr HTTP/1.1\r\nHost: 127.0.0.1\r\n")
	start := time.Now()

	_ = raw.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.ReadAll(raw.conn)
	if err != nil {
		t.Errorf("the connection was not closed but failed: %v", err)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("headers that never end held the connection for %v", waited)
	}
}

// TestStrangerIsNotWaitedFor checks that a POST without the secret is
// refused at once, without waiting for a body that never comes, and that
// its connection is closed once the body has been idle for BodyIdleTimeout.
func TestStrangerIsNotWaitedFor(t *testing.T) {
	const idle = 200 * time.Millisecond
	c := startCapture(t, listener.Options{Secret: testSecret, BodyIdleTimeout: idle})

	raw := dialRaw(t, c.url)
	start := time.Now()
	raw.write(postHead("Content-Length: 1000"))

	reader := bufio.NewReader(raw.conn)
	_ = raw.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(reader, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Errorf("answered %d, close %v; want 401 and the connection closed",
			resp.StatusCode, resp.Close)
	}
	if waited := time.Since(start); waited > idle {
		t.Errorf("the refusal took %v", waited)
	}

	// The server drains what the stranger might still send, for no longer
	// than the idle limit, then lets go of the connection.
	if _, err := reader.ReadByte(); err != io.EOF {
		t.Errorf("after the answer, the connection gave %v, want its end", err)
	}
	if held := time.Since(start); held > idle+time.Second {
		t.Errorf("the connection was held for %v after the refusal", held)
	}
}
