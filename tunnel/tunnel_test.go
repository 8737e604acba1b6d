package tunnel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// agent is a fake ngrok agent API on loopback whose tunnel list the test
// can change.
type agent struct {
	*httptest.Server
	list atomic.Value // string: the JSON body served
}

func newAgent(t *testing.T, body string) *agent {
	t.Helper()
	a := &agent{}
	a.list.Store(body)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/tunnels" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(a.list.Load().(string)))
	}))
	t.Cleanup(a.Close)
	return a
}

const twoTunnels = `{"tunnels":[
 {"name":"other","public_url":"https://other.ngrok-free.app","proto":"https",
  "config":{"addr":"http://localhost:9999","inspect":true}},
 {"name":"ours-http","public_url":"http://abc.ngrok-free.app","proto":"http",
  "config":{"addr":"localhost:8080"}},
 {"name":"ours","public_url":"https://abc.ngrok-free.app","proto":"https",
  "config":{"addr":"http://localhost:8080","inspect":true}}
],"uri":"/api/tunnels"}`

func watch(t *testing.T, api string, port int) *Watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := Watch(ctx, Options{APIURL: api, Port: port, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// eventually waits, for at most two seconds, until Current answers want.
func eventually(t *testing.T, w *Watcher, want string, wantOK bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got, ok := w.Current()
		if got == want && ok == wantOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Current() = %q, %v; want %q, %v", got, ok, want, wantOK)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWatchFindsTheTunnelToOurPort(t *testing.T) {
	a := newAgent(t, twoTunnels)
	w := watch(t, a.URL+"/api/tunnels", 8080)
	eventually(t, w, "https://abc.ngrok-free.app", true)

	other := watch(t, a.URL+"/api/tunnels", 9999)
	eventually(t, other, "https://other.ngrok-free.app", true)

	none := watch(t, a.URL+"/api/tunnels", 7000)
	time.Sleep(100 * time.Millisecond)
	eventually(t, none, "", false)
}

func TestWatchPrefersHTTPSButTakesHTTP(t *testing.T) {
	a := newAgent(t, `{"tunnels":[{"public_url":"http://plain.ngrok.io","proto":"http",
		"config":{"addr":"8080"}}]}`)
	w := watch(t, a.URL+"/api/tunnels", 8080)
	eventually(t, w, "http://plain.ngrok.io", true)
}

func TestWatchNoticesTheTunnelGoing(t *testing.T) {
	a := newAgent(t, twoTunnels)
	w := watch(t, a.URL+"/api/tunnels", 8080)
	eventually(t, w, "https://abc.ngrok-free.app", true)

	a.list.Store(`{"tunnels":[]}`)
	eventually(t, w, "", false)
	select {
	case <-w.Changes():
	default:
		t.Error("Changes received nothing after the tunnel went")
	}

	a.list.Store(twoTunnels)
	eventually(t, w, "https://abc.ngrok-free.app", true)

	a.Close() // the agent stops
	eventually(t, w, "", false)
}

func TestWatchIgnoresAnAnswerThatIsNotAList(t *testing.T) {
	a := newAgent(t, `<html>not the agent</html>`)
	w := watch(t, a.URL+"/api/tunnels", 8080)
	time.Sleep(100 * time.Millisecond)
	eventually(t, w, "", false)
}

func TestAddrPort(t *testing.T) {
	tests := []struct {
		addr string
		port int
		ok   bool
	}{
		{"http://localhost:8080", 8080, true},
		{"https://localhost:8443", 8443, true},
		{"localhost:8080", 8080, true},
		{"127.0.0.1:8080", 8080, true},
		{"8080", 8080, true},
		{" 8080 ", 8080, true},
		{"http://[::1]:8080", 8080, true},
		{"[::1]:8080", 8080, true},
		{"http://127.0.0.1", 80, true},
		{"https://localhost", 443, true},
		{":8080", 8080, true},
		{"http://LOCALHOST:8080/", 8080, true},
		{"192.168.1.5:8080", 0, false},
		{"http://example.com:8080", 0, false},
		{"0", 0, false},
		{"70000", 0, false},
		{"localhost", 0, false},
		{"", 0, false},
		{"file:///tmp/x", 0, false},
	}
	for _, tt := range tests {
		port, ok := AddrPort(tt.addr)
		if port != tt.port || ok != tt.ok {
			t.Errorf("AddrPort(%q) = %d, %v; want %d, %v", tt.addr, port, ok, tt.port, tt.ok)
		}
	}
}

func TestOnlyLoopbackAPIURLs(t *testing.T) {
	refused := []string{
		"http://10.0.0.1:4040/api/tunnels",
		"http://example.com:4040/api/tunnels",
		"http://0.0.0.0:4040/api/tunnels",
		"ftp://127.0.0.1/api/tunnels",
		"127.0.0.1:4040",
		"http://127.0.0.1.example.com/api/tunnels",
	}
	for _, api := range refused {
		_, err := Watch(context.Background(), Options{APIURL: api, Port: 8080})
		if err == nil {
			t.Errorf("Watch accepted the API URL %q", api)
		} else if !strings.Contains(err.Error(), "ngrok API URL") {
			t.Errorf("Watch refused %q with %q, which does not name the API URL", api, err)
		}
	}

	for _, api := range []string{"", DefaultAPIURL, "http://localhost:4041/api/tunnels",
		"http://[::1]:4040/api/tunnels"} {
		if err := (Options{APIURL: api, Port: 8080}).Validate(); err != nil {
			t.Errorf("Validate refused %q: %v", api, err)
		}
	}
	if err := (Options{Port: 0}).Validate(); err == nil {
		t.Error("Validate accepted port 0")
	}
}

func TestHookURLKeepsTheSecretPath(t *testing.T) {
	cases := map[[2]string]string{
		{"https://abc.ngrok-free.app", "http://127.0.0.1:8080/hooks/S"}: "https://abc.ngrok-free.app/hooks/S",
		{"https://abc.ngrok-free.app/", "http://127.0.0.1:8080/"}:       "https://abc.ngrok-free.app/",
		{"https://abc.ngrok-free.app", "http://127.0.0.1:8080"}:         "https://abc.ngrok-free.app/",
	}
	for in, want := range cases {
		if got := HookURL(in[0], in[1]); got != want {
			t.Errorf("HookURL(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
