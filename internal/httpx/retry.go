package httpx

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how often and how long a request is retried.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included.
	// 1 disables retries. Zero means DefaultRetryPolicy's value.
	MaxAttempts int
	// InitialInterval is the base backoff before the second attempt; each
	// further attempt doubles it, up to MaxInterval, with jitter.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxElapsed bounds the whole call, waits included: a retry whose wait
	// would pass it is not made. Zero means no bound beyond MaxAttempts.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy is used for any zero field of a client's policy.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:     5,
	InitialInterval: 500 * time.Millisecond,
	MaxInterval:     30 * time.Second,
	MaxElapsed:      2 * time.Minute,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.InitialInterval <= 0 {
		p.InitialInterval = DefaultRetryPolicy.InitialInterval
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = DefaultRetryPolicy.MaxInterval
	}
	return p
}

// backoff returns the wait before attempt n+1 after attempt n failed
// (n ≥ 1): exponential in n, capped at MaxInterval, with "equal jitter"
// (half fixed, half random) so concurrent clients spread out without ever
// retrying immediately.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.InitialInterval
	for i := 1; i < n && d < p.MaxInterval; i++ {
		d *= 2
	}
	if d > p.MaxInterval {
		d = p.MaxInterval
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// ParseRetryAfter reads a Retry-After header value in either of its forms,
// delta-seconds or an HTTP-date, relative to now. It reports false for an
// absent or malformed value. A date in the past gives zero.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}
