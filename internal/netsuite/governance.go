package netsuite

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// DefaultConcurrencyLimit is the limit used when none is configured and
// governanceLimits cannot be read: the limit of the smallest accounts
// (developer and sandbox accounts without SuiteCloud Plus).
const DefaultConcurrencyLimit = 5

// DefaultRecovery is how long a limit shrunk by a 429 stays shrunk before
// it grows back by one slot.
const DefaultRecovery = time.Minute

// Limiter bounds the requests in flight to one NetSuite account. NetSuite
// governs concurrency per account, across SOAP, REST and RESTlets, and
// refuses a request over the limit with 429 instead of queueing it; so
// every component of a process that talks to the account must share one
// Limiter (see SharedLimiter).
//
// The limiter is adaptive: when a request admitted under the current limit
// is answered 429 (another integration is using slots), the effective
// limit drops to one below the number of requests then in flight, at once
// and only once per limit generation, so a burst of 429s from requests sent
// together shrinks it once. After Recovery without a 429 it grows back by
// one slot, up to the configured limit. It implements httpx.Gate.
type Limiter struct {
	mu        sync.Mutex
	limit     int // configured
	effective int
	inFlight  int
	epoch     uint64 // generation of the effective limit
	changed   time.Time
	recovery  time.Duration
	now       func() time.Time
	wake      chan struct{} // closed and replaced when a slot frees up

	maxInFlight int
	throttled   int64

	configured bool       // a component set the limit explicitly
	probed     bool       // the limit was read from governanceLimits
	probeMu    sync.Mutex // one governanceLimits call at a time
}

// NewLimiter returns a limiter of limit slots (at least 1).
func NewLimiter(limit int) *Limiter {
	limit = max(limit, 1)
	return &Limiter{limit: limit, effective: limit, recovery: DefaultRecovery, now: time.Now, wake: make(chan struct{})}
}

var (
	limitersMu sync.Mutex
	limiters   = map[string]*Limiter{}
)

// SharedLimiter returns the process-wide limiter of the account served at
// baseURL. Every client of that account (every input, output and stream of
// the process) gets the same one. A positive limit sizes it; when
// components configure different limits the smallest wins, a limit being a
// promise not to exceed it. With limit 0 it keeps its size (initially
// DefaultConcurrencyLimit, until a client reads governanceLimits).
func SharedLimiter(account AccountID, baseURL string, limit int) *Limiter {
	key := account.Realm() + "|" + baseURL
	limitersMu.Lock()
	defer limitersMu.Unlock()
	l, ok := limiters[key]
	if !ok {
		l = NewLimiter(DefaultConcurrencyLimit)
		limiters[key] = l
	}
	if limit > 0 {
		l.mu.Lock()
		apply := !l.configured || limit < l.limit
		l.configured = true
		l.mu.Unlock()
		if apply {
			l.SetLimit(limit)
		}
	}
	return l
}

// Limit returns the configured limit.
func (l *Limiter) Limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// Effective returns the limit in force (the configured one, or less after
// a 429).
func (l *Limiter) Effective() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recover()
	return l.effective
}

// Stats reports the highest number of requests seen in flight and the
// number of 429 answers.
func (l *Limiter) Stats() (maxInFlight int, throttled int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxInFlight, l.throttled
}

// SetLimit changes the configured limit (e.g. once governanceLimits has
// been read); the effective limit follows it.
func (l *Limiter) SetLimit(limit int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit = max(limit, 1)
	l.limit, l.effective = limit, limit
	l.epoch++
	l.changed = l.now()
	l.signal()
}

// SetRecovery sets how long a shrunk limit waits before growing by one.
func (l *Limiter) SetRecovery(d time.Duration) {
	l.mu.Lock()
	l.recovery = d
	l.mu.Unlock()
}

// Acquire waits for a slot. The returned release must be called exactly
// once with the response status (0 for a transport failure).
func (l *Limiter) Acquire(ctx context.Context) (func(status int), error) {
	for {
		l.mu.Lock()
		l.recover()
		if l.inFlight < l.effective {
			l.inFlight++
			l.maxInFlight = max(l.maxInFlight, l.inFlight)
			epoch := l.epoch
			l.mu.Unlock()
			var once sync.Once
			return func(status int) { once.Do(func() { l.release(epoch, status) }) }, nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (l *Limiter) release(epoch uint64, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if status == http.StatusTooManyRequests {
		l.throttled++
		if epoch == l.epoch {
			l.effective = max(1, min(l.effective, l.inFlight)-1)
			l.epoch++
			l.changed = l.now()
		}
	}
	l.inFlight--
	l.signal()
}

// recover grows a shrunk limit by one slot per Recovery period without a
// 429. The caller holds l.mu.
func (l *Limiter) recover() {
	if l.effective >= l.limit || l.recovery <= 0 {
		return
	}
	now := l.now()
	grown := false
	for l.effective < l.limit && now.Sub(l.changed) >= l.recovery {
		l.effective++
		l.epoch++
		l.changed = l.changed.Add(l.recovery)
		grown = true
	}
	if grown {
		l.signal()
	}
}

// signal wakes every waiter. The caller holds l.mu.
func (l *Limiter) signal() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// sizeOnce sets the limit from probe unless a limit was configured or
// probed already. A failed probe is returned and tried again next time.
func (l *Limiter) sizeOnce(probe func() (int, error)) error {
	l.probeMu.Lock()
	defer l.probeMu.Unlock()
	l.mu.Lock()
	done := l.configured || l.probed
	l.mu.Unlock()
	if done {
		return nil
	}
	n, err := probe()
	if err != nil {
		return err
	}
	l.SetLimit(n)
	l.mu.Lock()
	l.probed = true
	l.mu.Unlock()
	return nil
}
