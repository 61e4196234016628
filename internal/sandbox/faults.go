package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Faults are the faults injected into vendor API requests. Each request
// draws once: with probability DropRate its connection is closed with no
// response, else with probability ErrorRate it is answered 500, 502 or 503
// (chosen evenly), else with probability RateLimitRate it is answered 429,
// else with probability SlowRate the vendor handles it but its response is
// held back SlowLatency (longer than a client's timeout, the request has
// taken effect although the client saw a timeout); otherwise the vendor
// handles it. Latency is added before that draw to every request, faulted
// or not. The zero value injects nothing.
//
// Faults is the JSON body of GET and PUT /_sandbox/faults.
type Faults struct {
	// ErrorRate is the share of requests answered 500, 502 or 503, in [0, 1].
	ErrorRate float64 `json:"error_rate"`
	// RateLimitRate is the share of requests answered 429, in [0, 1]. The
	// body comes from the vendor when it implements FaultBodyWriter.
	RateLimitRate float64 `json:"rate_limit_rate"`
	// DropRate is the share of requests whose connection is closed without
	// a response, after the request was read, in [0, 1]. Beware: on a
	// reused keep-alive connection Go's http.Transport may silently retry
	// an idempotent request (GET, HEAD...) that got no response byte, so a
	// Go client sometimes sees the retry's answer instead of io.EOF; both
	// attempts are counted in Stats.
	DropRate float64 `json:"drop_rate"`
	// Latency is added to every vendor request ("20ms").
	Latency Duration `json:"latency"`
	// SlowRate is the share of requests the vendor handles whose response
	// is then held back SlowLatency, in [0, 1].
	SlowRate float64 `json:"slow_rate"`
	// SlowLatency is how long a slow response is held back ("2s").
	SlowLatency Duration `json:"slow_latency"`
}

// Validate reports the first field outside its range: every rate must be in
// [0, 1], the rates together at most 1, and Latency not negative.
func (f Faults) Validate() error {
	rates := []struct {
		name string
		v    float64
	}{{"error_rate", f.ErrorRate}, {"rate_limit_rate", f.RateLimitRate}, {"drop_rate", f.DropRate}, {"slow_rate", f.SlowRate}}
	sum := 0.0
	for _, r := range rates {
		// The negated comparison also rejects NaN.
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("%s must be between 0 and 1, got %v", r.name, r.v)
		}
		sum += r.v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("error_rate + rate_limit_rate + drop_rate + slow_rate must be at most 1, got %v", sum)
	}
	if f.Latency < 0 {
		return fmt.Errorf("latency must not be negative, got %s", time.Duration(f.Latency))
	}
	if f.SlowLatency < 0 || (f.SlowRate > 0 && f.SlowLatency == 0) {
		return fmt.Errorf("slow_latency must be positive when slow_rate is set, got %s", time.Duration(f.SlowLatency))
	}
	return nil
}

// active reports whether any request can be faulted or delayed.
func (f Faults) active() bool {
	return f.ErrorRate > 0 || f.RateLimitRate > 0 || f.DropRate > 0 || f.Latency > 0 || f.SlowRate > 0
}

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("250ms", "1.5s"). An empty string or null reads as zero.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "20ms".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "20ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("parsing duration: want a string such as \"20ms\": %w", err)
	}
	if s == nil || *s == "" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(*s)
	if err != nil {
		return fmt.Errorf("parsing duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// faultKind is the outcome of one draw.
type faultKind int

const (
	faultNone faultKind = iota
	faultDrop
	faultError
	faultRateLimit
	faultSlow
)

// faultDice draws fault outcomes. With a seed the sequence of outcomes is
// reproducible for a given sequence of requests.
type faultDice struct {
	mu  sync.Mutex
	rng *rand.Rand // nil: use the global, concurrency-safe source
}

func newFaultDice(seed uint64) *faultDice {
	if seed == 0 {
		return &faultDice{}
	}
	return &faultDice{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// float64 returns a number in [0, 1).
func (d *faultDice) float64() float64 {
	if d.rng == nil {
		return rand.Float64()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Float64()
}

// draw picks what happens to one request under f, and for faultError which
// status to answer.
func (d *faultDice) draw(f Faults) (faultKind, int) {
	x := d.float64()
	switch {
	case x < f.DropRate:
		return faultDrop, 0
	case x < f.DropRate+f.ErrorRate:
		// Reuse the position inside the error band to pick the status, so
		// a single draw decides everything.
		band := (x - f.DropRate) / f.ErrorRate
		return faultError, errorStatuses[min(int(band*3), 2)]
	case x < f.DropRate+f.ErrorRate+f.RateLimitRate:
		return faultRateLimit, http.StatusTooManyRequests
	case x < f.DropRate+f.ErrorRate+f.RateLimitRate+f.SlowRate:
		return faultSlow, 0
	}
	return faultNone, 0
}

var errorStatuses = [3]int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}

// writeDefaultFault answers an injected fault for a vendor without a
// FaultBodyWriter.
func writeDefaultFault(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, map[string]any{
		"error":  "sandbox injected fault",
		"status": status,
	})
}

// dropConnection closes the client connection without writing a response.
// It hijacks the connection when the ResponseWriter allows it and otherwise
// aborts the handler, which net/http turns into a closed connection (HTTP/1)
// or a reset stream (HTTP/2).
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
