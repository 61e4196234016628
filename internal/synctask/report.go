package synctask

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/httpx"
)

// Result is a successful delivery attempt: the entity was sent (with the
// target's id) or deliberately skipped by a business rule.
type Result struct {
	Status Status
	TgtID  string
	Note   string
}

// Sent is the Result of a write the target accepted; tgtID is the id the
// target knows the entity by.
func Sent(tgtID string) Result { return Result{Status: StatusSent, TgtID: tgtID} }

// Ignored is the Result of an entity skipped by a business rule (recorded I
// with reason as the note).
func Ignored(reason string) Result { return Result{Status: StatusIgnored, Note: reason} }

// PermanentError is a failure that retrying cannot fix (validation, a 4xx
// other than 408/425/429). Code and Message are the vendor's.
type PermanentError struct {
	Code, Message string
}

func (e *PermanentError) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// Permanent returns a PermanentError with the vendor's code and message.
func Permanent(code, message string) error { return &PermanentError{Code: code, Message: message} }

// Classification says how a delivery error is handled and recorded.
type Classification struct {
	// Permanent errors are recorded F at once; others are retried first.
	Permanent     bool
	Code, Message string
}

// Classifier classifies a delivery error.
type Classifier func(error) Classification

// maxNoteLen bounds the stored note: a note is a readable message, never a
// dump.
const maxNoteLen = 1000

// oneLine keeps the first line of s, trimmed to maxNoteLen, so multi-line
// errors (and anything resembling a stack trace) never reach a note.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > maxNoteLen {
		s = s[:maxNoteLen] + "…"
	}
	return s
}

// DefaultClassify classifies errors as follows:
//   - *PermanentError: permanent, with its code and message;
//   - *httpx.HTTPError: permanent unless Retryable (408, 425, 429, 5xx), the
//     vendor code (or the HTTP status) and the vendor message;
//   - any error with a Retryable() bool method: permanent when it says false;
//   - anything else (network errors, timeouts): transient.
func DefaultClassify(err error) Classification {
	var pe *PermanentError
	if errors.As(err, &pe) {
		return Classification{Permanent: true, Code: pe.Code, Message: oneLine(pe.Message)}
	}
	var he *httpx.HTTPError
	if errors.As(err, &he) {
		c := Classification{Permanent: !he.Retryable(), Code: he.Code, Message: oneLine(he.Message)}
		if c.Code == "" {
			c.Code = strconv.Itoa(he.Status)
		}
		if c.Message == "" {
			c.Message = http.StatusText(he.Status)
		}
		return c
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return Classification{Permanent: !r.Retryable(), Message: oneLine(err.Error())}
	}
	return Classification{Message: oneLine(err.Error())}
}

// ReporterConfig tunes a Reporter.
type ReporterConfig struct {
	// MaxAttempts is the retry budget for transient errors, counting the
	// first attempt (default 5).
	MaxAttempts int
	// InitialBackoff and MaxBackoff bound the exponential backoff between
	// attempts (defaults 500ms and 30s).
	InitialBackoff, MaxBackoff time.Duration
	// Classify classifies delivery errors (default DefaultClassify).
	Classify Classifier
	// DeadLetterOutput names an output resource that also receives every
	// message recorded F (with dw_error_code and dw_error metadata).
	DeadLetterOutput string
}

// Reporter records what happened to each delivered entity. It is safe for
// concurrent use. Outputs get one with NewReporterFromParsed and call
// Deliver for each message; see the package documentation.
type Reporter struct {
	store *Shared
	cfg   ReporterConfig
	mgr   *service.Resources
	log   *service.Logger

	outcomes *service.MetricCounter
	retries  *service.MetricCounter
	latency  *service.MetricTimer
}

// NewReporter returns a Reporter on store. mgr may be nil (no metrics, no
// dead letter, no logs).
func NewReporter(store *Shared, cfg ReporterConfig, mgr *service.Resources) *Reporter {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.InitialBackoff <= 0 {
		cfg.InitialBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Classify == nil {
		cfg.Classify = DefaultClassify
	}
	r := &Reporter{store: store, cfg: cfg, mgr: mgr}
	if mgr != nil {
		r.log = mgr.Logger()
		m := mgr.Metrics()
		r.outcomes = m.NewCounter("datawald_sync_outcomes_total", "tx_type", "status")
		r.retries = m.NewCounter("datawald_sync_delivery_retries_total", "tx_type")
		r.latency = m.NewTimer("datawald_sync_store_latency_ns", "op")
	}
	return r
}

// Deliver runs attempt for the entity carried by msg and records the
// outcome:
//
//   - a Result (Sent or Ignored) is recorded S (with TgtID) or I;
//   - a transient error is retried with backoff, recording nothing, until
//     it succeeds or MaxAttempts attempts are spent, then it is recorded F;
//   - a permanent error is recorded F at once with the vendor's code and
//     message (never a stack trace), and, if configured, msg is written to
//     the dead-letter output.
//
// Deliver returns the recorded outcome and a nil error whenever the outcome
// was recorded, F included, so the caller acks and a bad entity never
// blocks the stream. It returns an error (the caller should nack) only when
// ctx ends, an attempt returned an Undecided error, the outcome cannot be
// written to the store, or msg has no sync-task metadata and the delivery
// failed (there is nowhere to record it). A message without sync-task
// metadata is still delivered with the same retry rules; success is then
// simply not recorded.
func (r *Reporter) Deliver(ctx context.Context, msg *service.Message, attempt func(context.Context) (Result, error)) (Outcome, error) {
	env, envErr := EnvelopeFromMessage(msg)
	res, cls, err := r.run(ctx, env.TxType, attempt)
	if ctx.Err() != nil {
		return Outcome{}, ctx.Err()
	}
	if u := (*UndecidedError)(nil); errors.As(err, &u) {
		return Outcome{}, err
	}
	if envErr != nil {
		if err != nil {
			return Outcome{}, fmt.Errorf("delivering message without sync-task metadata: %w", err)
		}
		return Outcome{}, nil
	}
	o := Outcome{Key: env.Key, TaskID: env.TaskID, Hash: env.Hash, Status: res.Status, TgtID: res.TgtID, Note: res.Note}
	if err != nil {
		o.Status, o.ErrorCode, o.Note = StatusFailed, cls.Code, cls.Message
	}
	if err := r.Record(ctx, o); err != nil {
		if errors.Is(err, ErrNotFound) {
			r.warnf("entity %s was delivered but is not staged in this store; its outcome %s is not recorded", o.Key, o.Status)
			return o, nil
		}
		return o, err
	}
	if o.Status == StatusFailed && r.cfg.DeadLetterOutput != "" {
		if err := r.deadLetter(ctx, msg, o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// run calls attempt until success, a permanent error or the budget is spent.
func (r *Reporter) run(ctx context.Context, txType string, attempt func(context.Context) (Result, error)) (Result, Classification, error) {
	wait := r.cfg.InitialBackoff
	for n := 1; ; n++ {
		res, err := attempt(ctx)
		if err == nil {
			if res.Status != StatusSent && res.Status != StatusIgnored {
				return res, Classification{}, fmt.Errorf("delivery returned status %q, want S or I", res.Status)
			}
			return res, Classification{}, nil
		}
		if u := (*UndecidedError)(nil); errors.As(err, &u) {
			return res, Classification{}, err
		}
		cls := r.cfg.Classify(err)
		if cls.Permanent || ctx.Err() != nil {
			return res, cls, err
		}
		if n >= r.cfg.MaxAttempts {
			cls.Message = fmt.Sprintf("gave up after %d attempts: %s", n, cls.Message)
			return res, cls, err
		}
		if r.retries != nil {
			r.retries.Incr(1, txType)
		}
		select {
		case <-ctx.Done():
			return res, cls, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, r.cfg.MaxBackoff)
	}
}

// UndecidedError is a delivery attempt's failure that decides nothing
// about the entity: the write may still land (a create whose answer was
// lost and that the vendor may still be committing), or the output cannot
// work at all for now (its login is refused). Deliver neither retries nor
// records it and returns it, so the output nacks the message and Benthos
// delivers it again later.
type UndecidedError struct{ Err error }

// Undecided wraps err as an *UndecidedError.
func Undecided(err error) error { return &UndecidedError{Err: err} }

func (e *UndecidedError) Error() string { return e.Err.Error() }
func (e *UndecidedError) Unwrap() error { return e.Err }

// Record writes outcomes to the store in one transaction. Batch outputs
// that run their own retries can call it directly.
func (r *Reporter) Record(ctx context.Context, outcomes ...Outcome) error {
	start := time.Now()
	err := r.store.RecordOutcomes(ctx, outcomes)
	if r.latency != nil {
		r.latency.Timing(time.Since(start).Nanoseconds(), "record_outcomes")
	}
	if err != nil {
		return fmt.Errorf("recording %d outcomes: %w", len(outcomes), err)
	}
	if r.outcomes != nil {
		for _, o := range outcomes {
			r.outcomes.Incr(1, o.TxType, string(o.Status))
		}
	}
	return nil
}

func (r *Reporter) deadLetter(ctx context.Context, msg *service.Message, o Outcome) error {
	if r.mgr == nil {
		return fmt.Errorf("writing to dead-letter output %q: no resources available", r.cfg.DeadLetterOutput)
	}
	dl := msg.Copy()
	dl.MetaSetMut("dw_error_code", o.ErrorCode)
	dl.MetaSetMut("dw_error", o.Note)
	var werr error
	err := r.mgr.AccessOutput(ctx, r.cfg.DeadLetterOutput, func(out *service.ResourceOutput) {
		werr = out.Write(ctx, dl)
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("writing %s to dead-letter output %q: %w", o.Key, r.cfg.DeadLetterOutput, err)
	}
	return nil
}

func (r *Reporter) warnf(format string, args ...any) {
	if r.log != nil {
		r.log.Warnf(format, args...)
	}
}
