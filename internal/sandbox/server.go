package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// AdminPrefix is the path prefix of the sandbox's own routes. Requests under
// it are never counted in Stats and never faulted.
const AdminPrefix = "/_sandbox/"

// StatusClientClosed is the status recorded for a request whose client went
// away during injected latency, before the vendor handled it (the nginx
// convention).
const StatusClientClosed = 499

// Options configure a Server.
type Options struct {
	// Faults are injected from the first request on. They must pass
	// Faults.Validate.
	Faults Faults
	// FaultSeed, when not zero, makes the sequence of fault draws
	// reproducible: the n-th vendor request always gets the same outcome.
	// Zero draws from a random source.
	FaultSeed uint64
}

// Server serves one Vendor with fault injection, request accounting and the
// /_sandbox/ routes. It is an http.Handler, so tests may also mount it in an
// httptest.Server; Start serves it on its own listener.
type Server struct {
	vendor Vendor
	mux    *http.ServeMux // the vendor's routes
	admin  *http.ServeMux // the /_sandbox/ routes
	faults atomic.Pointer[Faults]
	dice   *faultDice
	rec    *recorder

	mu   sync.Mutex
	http *http.Server
}

// NewServer registers v's routes and returns a server ready to Start. It
// panics when o.Faults fails Faults.Validate: callers holding user input
// validate it first.
func NewServer(v Vendor, o Options) *Server {
	s := &Server{
		vendor: v,
		mux:    http.NewServeMux(),
		admin:  http.NewServeMux(),
		dice:   newFaultDice(o.FaultSeed),
		rec:    newRecorder(),
	}
	s.SetFaults(o.Faults)
	v.Register(s.mux)
	s.admin.HandleFunc("GET /_sandbox/faults", s.handleGetFaults)
	s.admin.HandleFunc("PUT /_sandbox/faults", s.handlePutFaults)
	s.admin.HandleFunc("GET /_sandbox/stats", s.handleStats)
	s.admin.HandleFunc("POST /_sandbox/mutate", s.handleMutate)
	s.admin.HandleFunc("POST /_sandbox/reset", s.handleReset)
	return s
}

// Vendor returns the served vendor.
func (s *Server) Vendor() Vendor { return s.vendor }

// SetFaults replaces the injected faults; requests already past the fault
// draw are not affected. It panics when f fails Faults.Validate.
func (s *Server) SetFaults(f Faults) {
	if err := f.Validate(); err != nil {
		panic(fmt.Sprintf("sandbox: invalid faults: %v", err))
	}
	s.faults.Store(&f)
}

// Faults returns the faults currently injected.
func (s *Server) Faults() Faults { return *s.faults.Load() }

// Stats returns the request accounting since start or the last reset.
func (s *Server) Stats() Stats { return s.rec.snapshot() }

// Reset restores the vendor's seeded data and clears the statistics, as
// POST /_sandbox/reset does. Faults are kept.
func (s *Server) Reset() {
	s.vendor.Reset()
	s.rec.reset()
}

// ServeHTTP routes /_sandbox/ requests to the admin routes and everything
// else, after fault injection, to the vendor.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.admin.ServeHTTP(w, r)
		return
	}
	s.rec.begin()
	defer s.rec.done()
	sw := &statusWriter{ResponseWriter: w, rec: s.rec}
	defer func() {
		if p := recover(); p != nil {
			// net/http closes the connection of a panicking handler
			// without a response: count it as dropped, then let net/http
			// log it as usual.
			sw.count(StatusDropped)
			panic(p)
		}
		// A handler that wrote nothing answered 200.
		sw.count(http.StatusOK)
	}()

	f := s.faults.Load()
	if f.Latency > 0 {
		t := time.NewTimer(time.Duration(f.Latency))
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			_, sw.endpoint = s.mux.Handler(r)
			sw.count(StatusClientClosed)
			return
		}
	}
	if f.DropRate > 0 || f.ErrorRate > 0 || f.RateLimitRate > 0 || f.SlowRate > 0 {
		switch kind, code := s.dice.draw(*f); kind {
		case faultNone:
		case faultSlow:
			s.serveSlow(sw, r, time.Duration(f.SlowLatency))
			return
		default:
			_, sw.endpoint = s.mux.Handler(r)
			s.writeFault(sw, kind, code)
			return
		}
	}
	// ServeMux sets r.Pattern on the request it is given before calling the
	// handler, so the writer reads the template from it when the status is
	// written, without matching twice.
	sw.req = r
	s.mux.ServeHTTP(sw, r)
}

// serveSlow lets the vendor handle r completely, then holds its response
// back for delay: the request takes effect even when the client gives up
// waiting, which is what makes a client-side timeout dangerous to retry
// blindly.
func (s *Server) serveSlow(sw *statusWriter, r *http.Request, delay time.Duration) {
	held := httptest.NewRecorder()
	s.mux.ServeHTTP(held, r)
	_, sw.endpoint = s.mux.Handler(r)
	t := time.NewTimer(delay)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
		sw.count(StatusClientClosed)
		return
	}
	for k, vs := range held.Header() {
		sw.Header()[k] = vs
	}
	sw.WriteHeader(held.Code)
	_, _ = sw.Write(held.Body.Bytes())
}

func (s *Server) writeFault(w *statusWriter, kind faultKind, status int) {
	if kind == faultDrop {
		// Count before closing: the client may read the stats as soon as
		// it sees the connection close.
		w.count(StatusDropped)
		dropConnection(w)
		return
	}
	if fw, ok := s.vendor.(FaultBodyWriter); ok {
		fw.WriteFault(w, status)
		return
	}
	writeDefaultFault(w, status)
}

// Start serves on addr ("127.0.0.1:0" picks a free port) in the background
// and returns the base URL, such as "http://127.0.0.1:41234". A Server can
// be started once.
func (s *Server) Start(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.http != nil {
		return "", errors.New("starting sandbox server: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("starting sandbox server for %s: %w", s.vendor.Name(), err)
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func(hs *http.Server) { _ = hs.Serve(ln) }(s.http)
	return "http://" + ln.Addr().String(), nil
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// requests in flight to finish. It is a no-op on a server never started.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	hs := s.http
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	return hs.Shutdown(ctx)
}

// Close stops the server at once, closing every connection. It is a no-op
// on a server never started.
func (s *Server) Close() error {
	s.mu.Lock()
	hs := s.http
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	return hs.Close()
}
