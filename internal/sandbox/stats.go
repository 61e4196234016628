package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
)

// Stats is the request accounting of one simulator since it started or was
// last reset. It is the JSON body of GET /_sandbox/stats.
type Stats struct {
	// Requests holds one entry per endpoint template and status, sorted by
	// endpoint then status.
	Requests []EndpointCount `json:"requests"`
	// Total is the number of vendor requests handled, faulted ones included.
	Total int64 `json:"total"`
	// MaxConcurrency is the high-water mark of vendor requests in flight.
	MaxConcurrency int64 `json:"max_concurrency"`
}

// EndpointCount is the number of requests to one endpoint template that got
// one status.
type EndpointCount struct {
	// Endpoint is the ServeMux pattern that matched, such as
	// "GET /record/v1/{type}/{id}". Requests no pattern matched (404, 405
	// from the mux) are counted under UnmatchedEndpoint.
	Endpoint string `json:"endpoint"`
	// Status is the HTTP status answered, StatusDropped when the connection
	// was closed without a response, or StatusClientClosed when the client
	// gave up during injected latency.
	Status int `json:"status"`
	// Count is the number of such requests.
	Count int64 `json:"count"`
}

// Count returns the number of requests to endpoint that got status
// (StatusDropped and StatusClientClosed included).
func (s Stats) Count(endpoint string, status int) int64 {
	for _, c := range s.Requests {
		if c.Endpoint == endpoint && c.Status == status {
			return c.Count
		}
	}
	return 0
}

// EndpointTotal returns the number of requests to endpoint, whatever their
// status.
func (s Stats) EndpointTotal(endpoint string) int64 {
	var n int64
	for _, c := range s.Requests {
		if c.Endpoint == endpoint {
			n += c.Count
		}
	}
	return n
}

const (
	// UnmatchedEndpoint is the endpoint under which requests that matched
	// no registered pattern are counted.
	UnmatchedEndpoint = "(unmatched)"
	// StatusDropped is the status recorded for a request whose connection
	// was closed without a response: dropped by fault injection, or a
	// vendor handler that panicked.
	StatusDropped = 0
)

type statKey struct {
	endpoint string
	status   int
}

// recorder counts requests. Its memory is bounded by the number of
// registered patterns times the statuses they answer, never by the number
// of distinct paths requested.
type recorder struct {
	mu       sync.Mutex
	counts   map[statKey]int64
	total    int64
	inFlight atomic.Int64
	maxSeen  atomic.Int64
}

func newRecorder() *recorder { return &recorder{counts: make(map[statKey]int64)} }

// begin marks a request in flight and raises the high-water mark.
func (r *recorder) begin() {
	n := r.inFlight.Add(1)
	for {
		m := r.maxSeen.Load()
		if n <= m || r.maxSeen.CompareAndSwap(m, n) {
			return
		}
	}
}

// done marks a request no longer in flight.
func (r *recorder) done() { r.inFlight.Add(-1) }

// count counts one answered request.
func (r *recorder) count(endpoint string, status int) {
	if endpoint == "" {
		endpoint = UnmatchedEndpoint
	}
	r.mu.Lock()
	r.counts[statKey{endpoint, status}]++
	r.total++
	r.mu.Unlock()
}

// reset clears the counts. The high-water mark restarts from the requests
// in flight right now.
func (r *recorder) reset() {
	r.mu.Lock()
	clear(r.counts)
	r.total = 0
	r.mu.Unlock()
	r.maxSeen.Store(r.inFlight.Load())
}

func (r *recorder) snapshot() Stats {
	r.mu.Lock()
	st := Stats{Requests: make([]EndpointCount, 0, len(r.counts)), Total: r.total}
	for k, n := range r.counts {
		st.Requests = append(st.Requests, EndpointCount{Endpoint: k.endpoint, Status: k.status, Count: n})
	}
	r.mu.Unlock()
	st.MaxConcurrency = r.maxSeen.Load()
	slices.SortFunc(st.Requests, func(a, b EndpointCount) int {
		return cmp.Or(cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Status, b.Status))
	})
	return st
}

// statusWriter counts a request as soon as its status is written, before
// the response can reach the client, so a client that reads the stats right
// after an answer always finds it counted.
type statusWriter struct {
	http.ResponseWriter
	rec *recorder
	// endpoint is the template when it was resolved before the vendor ran;
	// otherwise req.Pattern, which the vendor mux sets, is used.
	endpoint string
	req      *http.Request
	counted  bool
}

// count records status for this request, once.
func (w *statusWriter) count(status int) {
	if w.counted {
		return
	}
	w.counted = true
	endpoint := w.endpoint
	if w.req != nil {
		endpoint = w.req.Pattern
	}
	w.rec.count(endpoint, status)
}

func (w *statusWriter) WriteHeader(code int) {
	if code >= 200 {
		w.count(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.count(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush forwards to the underlying writer, for vendors that stream.
func (w *statusWriter) Flush() {
	w.count(http.StatusOK)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}
