package hubspot

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rollingWindow admits at most limit events in any window of the given
// length: HubSpot's TEN_SECONDLY_ROLLING policy, and the one-second window
// of the search endpoints. Rejected requests are not counted.
type rollingWindow struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	times  []time.Time // admitted events inside the window, oldest first
}

func newRollingWindow(limit int, window time.Duration) *rollingWindow {
	return &rollingWindow{limit: limit, window: window}
}

// admit records an event at now when the window has room. It returns the
// remaining room after the event, or, when refused, how long until the
// oldest event leaves the window.
func (r *rollingWindow) admit(now time.Time) (ok bool, remaining int, wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cut := now.Add(-r.window)
	drop := 0
	for drop < len(r.times) && !r.times[drop].After(cut) {
		drop++
	}
	r.times = r.times[drop:]
	if len(r.times) >= r.limit {
		return false, 0, r.times[0].Add(r.window).Sub(now)
	}
	r.times = append(r.times, now)
	return true, r.limit - len(r.times), 0
}

func (r *rollingWindow) reset() {
	r.mu.Lock()
	r.times = nil
	r.mu.Unlock()
}

// dailyBudget counts requests per UTC day: HubSpot's DAILY policy.
type dailyBudget struct {
	mu    sync.Mutex
	limit int
	day   string
	used  int
}

func (d *dailyBudget) admit(now time.Time) (bool, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if day := now.UTC().Format("2006-01-02"); day != d.day {
		d.day, d.used = day, 0
	}
	if d.used >= d.limit {
		return false, 0
	}
	d.used++
	return true, d.limit - d.used
}

func (d *dailyBudget) reset() {
	d.mu.Lock()
	d.day, d.used = "", 0
	d.mu.Unlock()
}

func tenSecondlyError() *apiError {
	e := newError(http.StatusTooManyRequests, categoryRateLimits, "You have reached your ten_secondly_rolling limit.")
	e.ErrorType, e.PolicyName = "RATE_LIMIT", "TEN_SECONDLY_ROLLING"
	return e
}

func secondlyError() *apiError {
	e := newError(http.StatusTooManyRequests, categoryRateLimits, "You have reached your secondly limit.")
	e.ErrorType, e.PolicyName = "RATE_LIMIT", "SECONDLY"
	return e
}

func dailyError() *apiError {
	e := newError(http.StatusTooManyRequests, categoryRateLimits, "You have reached your daily limit.")
	e.ErrorType, e.PolicyName = "RATE_LIMIT", "DAILY"
	return e
}

// limiter applies the portal's limits to every authenticated request, in
// HubSpot's order: daily budget, ten-secondly rolling window, and for
// search the search endpoints' own per-second window.
type limiter struct {
	burst           *rollingWindow // nil: unlimited
	search          *rollingWindow // nil: unlimited
	daily           *dailyBudget   // nil: unlimited
	retryAfterEvery int

	mu       sync.Mutex
	rejected int
}

// check admits a request or writes HubSpot's 429 and returns false. The
// rate-limit headers go on every admitted non-search response; HubSpot does
// not send them on search.
func (l *limiter) check(w http.ResponseWriter, now time.Time, isSearch bool) bool {
	h := w.Header()
	dailyRemaining := -1
	if l.daily != nil {
		ok, rem := l.daily.admit(now)
		if !ok {
			l.reject(w, dailyError(), 0)
			return false
		}
		dailyRemaining = rem
	}
	if l.burst != nil {
		ok, rem, wait := l.burst.admit(now)
		if !ok {
			l.reject(w, tenSecondlyError(), wait)
			return false
		}
		if !isSearch {
			h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.burst.limit))
			h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(rem))
			h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.FormatInt(l.burst.window.Milliseconds(), 10))
		}
	}
	if dailyRemaining >= 0 && !isSearch {
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.daily.limit))
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(dailyRemaining))
	}
	if isSearch && l.search != nil {
		if ok, _, wait := l.search.admit(now); !ok {
			l.reject(w, secondlyError(), wait)
			return false
		}
	}
	return true
}

// reject writes a 429. Retry-After is sent on every retryAfterEvery-th
// rejection only, because HubSpot does not always send it.
func (l *limiter) reject(w http.ResponseWriter, e *apiError, wait time.Duration) {
	l.mu.Lock()
	l.rejected++
	n := l.rejected
	l.mu.Unlock()
	if l.retryAfterEvery > 0 && n%l.retryAfterEvery == 1%l.retryAfterEvery {
		secs := int((wait + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeError(w, e)
}

func (l *limiter) reset() {
	if l.burst != nil {
		l.burst.reset()
	}
	if l.search != nil {
		l.search.reset()
	}
	if l.daily != nil {
		l.daily.reset()
	}
	l.mu.Lock()
	l.rejected = 0
	l.mu.Unlock()
}
