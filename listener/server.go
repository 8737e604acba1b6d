package listener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
)

// Server is a Listener bound to an address and serving in the background.
type Server struct {
	http *http.Server
	ln   net.Listener
	done chan error
}

// Listen binds addr, which may name port 0 to let the system pick a free
// port, and serves the Listener on it until Shutdown.
func (l *Listener) Listen(addr string) (*Server, error) {
	ln, err := Bind(addr)
	if err != nil {
		return nil, err
	}
	return l.Serve(ln), nil
}

// Bind binds addr for Serve. Binding before anything else is set up lets a
// command fail on a taken port before it creates a capture file.
func Bind(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &BindError{Addr: addr, Err: err}
	}
	return ln, nil
}

// Loopback reports whether ln accepts connections from this machine only.
func Loopback(ln net.Listener) bool {
	a, ok := ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// Serve serves the Listener on ln, which it takes over, until Shutdown.
func (l *Listener) Serve(ln net.Listener) *Server {
	s := &Server{http: l.Server(), ln: ln, done: make(chan error, 1)}

	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
		close(s.done)
	}()
	return s
}

// Addr is the address the server is bound to, as in 127.0.0.1:8080.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the address to send deliveries to, as in http://127.0.0.1:8080/.
func (s *Server) URL() string { return "http://" + s.Addr() + "/" }

// Done delivers the error that stopped the server, or nil once Shutdown has
// stopped it, and is then closed.
func (s *Server) Done() <-chan error { return s.done }

// Shutdown stops accepting connections and waits, until ctx ends, for the
// deliveries being received to be stored and answered. Once it returns nil,
// no delivery is in flight and the store may be closed.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.http.Shutdown(ctx); err != nil {
		// Whatever is still in flight is cut off; its senders retry.
		_ = s.http.Close()
		return fmt.Errorf("stopping the listener on %s: %w", s.Addr(), err)
	}
	return nil
}

// BindError reports that the listener could not bind its address.
type BindError struct {
	Addr string
	Err  error
}

// Error names the address and the system's reason, without the layers of
// "listen tcp" and "bind" that the net package adds.
func (e *BindError) Error() string {
	reason := e.Err
	var op *net.OpError
	if errors.As(reason, &op) {
		reason = op.Err
	}
	var sys *os.SyscallError
	if errors.As(reason, &sys) {
		reason = sys.Err
	}
	return fmt.Sprintf("listen on %s: %v", e.Addr, reason)
}

// Unwrap returns the net package's error.
func (e *BindError) Unwrap() error { return e.Err }
