package listener

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Live describes a running capture to other clustr-explorer processes: the
// process that holds the capture file's lock, where it listens, and the
// token that lets them download a snapshot. It is kept in a sidecar file
// next to the capture file, FILE.live, while the capture runs.
type Live struct {
	PID   int    `json:"pid"`
	URL   string `json:"url"`
	Token string `json:"token"`
}

// ErrNotRunning means that the capture a sidecar describes has stopped: its
// process is gone, or nothing listens at its address any more. A capture
// that crashed leaves its sidecar behind.
var ErrNotRunning = errors.New("the capture is not running")

// notRunningError says why a capture is taken not to be running. It reads
// as its reason alone, and matches ErrNotRunning.
type notRunningError struct{ reason string }

func (e *notRunningError) Error() string        { return e.reason }
func (e *notRunningError) Is(target error) bool { return target == ErrNotRunning }

// notRunning returns a notRunningError for a formatted reason.
func notRunning(format string, args ...any) error {
	return &notRunningError{reason: fmt.Sprintf(format, args...)}
}

// reachTimeout bounds the look at a capture's address, so that the user
// learns within a second whether it is running.
const reachTimeout = 500 * time.Millisecond

// LivePath returns the path of the sidecar file of the capture file capture.
func LivePath(capture string) string { return capture + ".live" }

// NewToken returns a random snapshot token of 43 URL-safe characters.
func NewToken() string {
	// crypto/rand.Read never fails; it crashes the program instead.
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewLive describes this process serving s, with the snapshot token token.
// A server bound to every address is reached on loopback.
func NewLive(s *Server, token string) Live {
	host, port := "127.0.0.1", "0"
	if a, ok := s.ln.Addr().(*net.TCPAddr); ok {
		port = strconv.Itoa(a.Port)
		if !a.IP.IsUnspecified() {
			host = a.IP.String()
		}
	}
	return Live{
		PID:   os.Getpid(),
		URL:   "http://" + net.JoinHostPort(host, port) + "/",
		Token: token,
	}
}

// WriteLive writes live to the sidecar of capture, readable by its owner
// only since the token is in it. It is written whole under another name and
// then renamed, so that a reader never sees half of it.
func WriteLive(capture string, live Live) error {
	path := LivePath(capture)
	data, err := json.Marshal(live)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}

	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(append(data, '\n'))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// RemoveLive removes the sidecar of capture if it still describes live, so
// that a process never removes another's.
func RemoveLive(capture string, live Live) error {
	found, err := ReadLive(capture)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err == nil && found != live:
		// Another capture has written its own since.
		return nil
	}
	if err := os.Remove(LivePath(capture)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", LivePath(capture), err)
	}
	return nil
}

// ReadLive reads the sidecar of capture. The error wraps fs.ErrNotExist
// when there is none, and ErrNotRunning when it cannot be read as one: a
// capture that crashed while writing it.
func ReadLive(capture string) (Live, error) {
	path := LivePath(capture)
	data, err := os.ReadFile(path)
	if err != nil {
		return Live{}, err
	}

	var live Live
	if err := json.Unmarshal(data, &live); err != nil || live.PID <= 0 || live.URL == "" {
		return Live{}, notRunning("%s does not describe a capture", path)
	}
	return live, nil
}

// Check reports whether the capture that live describes still runs. It
// returns an error wrapping ErrNotRunning when its process has gone or its
// address refuses connections, and nil when it answers.
func (live Live) Check(ctx context.Context) error {
	if !processAlive(live.PID) {
		return notRunning("process %d has ended", live.PID)
	}

	u, err := live.snapshotURL()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return notRunning("nothing listens at %s", live.URL)
	}
	if err != nil {
		return fmt.Errorf("the capture at %s cannot be reached: %w", live.URL, err)
	}
	return conn.Close()
}

// processAlive reports whether a process pid exists. A process of another
// user, which may not be signalled, exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release()
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// snapshotURL is where live serves snapshots.
func (live Live) snapshotURL() (*url.URL, error) {
	u, err := url.Parse(live.URL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, notRunning("the capture's address %q is not an http URL", live.URL)
	}
	return u.JoinPath(snapshotPath), nil
}

// Download copies a snapshot of the running capture into w and returns the
// number of bytes copied. A snapshot cut off half-way is an error.
func (live Live) Download(ctx context.Context, w io.Writer) (int64, error) {
	u, err := live.snapshotURL()
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("ask %s for a snapshot: %w", live.URL, err)
	}
	req.Header.Set("Authorization", "Bearer "+live.Token)

	// The token goes to the capture itself: never through a proxy, and on a
	// connection of its own.
	transport := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer transport.CloseIdleConnections()
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("ask %s for a snapshot: %w", live.URL, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the capture at %s refused the snapshot: %d %s",
			live.URL, resp.StatusCode, refusalText(resp.Body))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("the snapshot from %s broke off after %d bytes: %w", live.URL, n, err)
	}
	return n, nil
}

// refusalText reads the error of a JSON refusal, or says there was none.
func refusalText(body io.Reader) string {
	var r refusal
	if err := json.NewDecoder(io.LimitReader(body, 4<<10)).Decode(&r); err != nil || r.Error == "" {
		return "without a reason"
	}
	return r.Error
}
