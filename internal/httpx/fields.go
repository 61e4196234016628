package httpx

import (
	"fmt"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names of the shared `http` config object every vendor component
// embeds with ConfigField.
const (
	FieldHTTP             = "http"
	fieldTimeout          = "timeout"
	fieldRateLimit        = "rate_limit"
	fieldBurst            = "burst"
	fieldMaxAttempts      = "max_attempts"
	fieldInitialInterval  = "initial_interval"
	fieldMaxInterval      = "max_interval"
	fieldMaxElapsed       = "max_elapsed"
	fieldMaxResponseBytes = "max_response_bytes"
)

// Bloblang conditions on a duration string for field lint rules. Lint rules
// run in Benthos' core Bloblang environment, which has no parse_duration, so
// the sign and zero checks read the duration's text.
const (
	durationNegative    = `this.has_prefix("-")`
	durationNotPositive = `this.has_prefix("-") || this == "0" || this.re_match("^\\+?(0+(\\.0*)?(ns|us|µs|ms|s|m|h))+$")`
)

// lint returns a field lint rule that reports "http.<field> <msg>" when
// cond (a Bloblang query on the field's value `this`) holds.
func lint(field, cond, msg string) string {
	return fmt.Sprintf(`root = if %s { [ "%s.%s %s" ] }`, cond, FieldHTTP, field, msg)
}

// BaseURLLint is a field lint rule for a vendor base URL: empty, or an
// absolute http(s) URL with a host and no white space. Vendor components put
// it on their base_url field so a malformed URL fails `datawald lint` with
// the field's line rather than at connect time.
func BaseURLLint(field string) string {
	return fmt.Sprintf(`root = if this != "" && !this.re_match("^https?://[^\\s/?#@]+(/\\S*)?$") { [ "%s must be an absolute http or https URL" ] }`, field)
}

// Settings are the transport settings a user may tune per component. Apply
// copies them into a Config.
type Settings struct {
	Timeout          time.Duration
	RateLimit        float64
	Burst            int
	Retry            RetryPolicy
	MaxResponseBytes int64
}

// Apply copies s into cfg and returns it.
func (s Settings) Apply(cfg Config) Config {
	cfg.Timeout = s.Timeout
	cfg.RateLimit = s.RateLimit
	cfg.Burst = s.Burst
	cfg.Retry = s.Retry
	cfg.MaxResponseBytes = s.MaxResponseBytes
	return cfg
}

// ConfigField returns the advanced `http` object field that tunes timeouts,
// client-side rate limiting and retries. Every vendor input and output
// includes it so the knobs are named the same everywhere.
func ConfigField() *service.ConfigField {
	return service.NewObjectField(FieldHTTP,
		service.NewDurationField(fieldTimeout).
			Description("Timeout of one request attempt.").
			Default(DefaultTimeout.String()).
			LintRule(lint(fieldTimeout, durationNotPositive, "must be a positive duration")),
		service.NewFloatField(fieldRateLimit).
			Description("Client-side limit in requests per second shared by this component's requests. 0 means unlimited.").
			Default(0).
			Example(10).
			LintRule(lint(fieldRateLimit, "this < 0", "must not be negative")),
		service.NewIntField(fieldBurst).
			Description("How many requests may be sent at once above `rate_limit` after an idle period. 0 means 1 when `rate_limit` is set.").
			Default(0).
			LintRule(lint(fieldBurst, "this < 0", "must not be negative")),
		service.NewIntField(fieldMaxAttempts).
			Description("Attempts per request, the first included, for 429, 5xx and network failures. Non-idempotent requests are retried only where the connector marks them safe (upserts, idempotency keys) or after a 429. 1 disables retries.").
			Default(DefaultRetryPolicy.MaxAttempts).
			LintRule(lint(fieldMaxAttempts, "this < 1", "must be at least 1")),
		service.NewDurationField(fieldInitialInterval).
			Description("Backoff before the first retry; doubled for each further retry, with jitter. A `Retry-After` header from the server takes precedence.").
			Default(DefaultRetryPolicy.InitialInterval.String()).
			LintRule(lint(fieldInitialInterval, durationNotPositive, "must be a positive duration")),
		service.NewDurationField(fieldMaxInterval).
			Description("Longest backoff between two attempts (a server's `Retry-After` may ask for longer).").
			Default(DefaultRetryPolicy.MaxInterval.String()).
			LintRule(lint(fieldMaxInterval, durationNotPositive, "must be a positive duration")),
		service.NewDurationField(fieldMaxElapsed).
			Description("Longest time one request may take, retries and waits included. `0s` means bounded by `max_attempts` only.").
			Default(DefaultRetryPolicy.MaxElapsed.String()).
			LintRule(lint(fieldMaxElapsed, durationNegative, "must not be negative")),
		service.NewIntField(fieldMaxResponseBytes).
			Description("Largest response body accepted; a larger one fails the request without retry.").
			Default(DefaultMaxResponseBytes).
			LintRule(lint(fieldMaxResponseBytes, "this <= 0", "must be positive")),
	).Description("HTTP transport settings: timeouts, client-side rate limiting and retries.").Advanced()
}

// ParseSettings reads the `http` object added by ConfigField.
func ParseSettings(conf *service.ParsedConfig) (Settings, error) {
	c := conf.Namespace(FieldHTTP)
	var (
		s   Settings
		err error
	)
	if s.Timeout, err = c.FieldDuration(fieldTimeout); err != nil {
		return s, err
	}
	if s.RateLimit, err = c.FieldFloat(fieldRateLimit); err != nil {
		return s, err
	}
	if s.Burst, err = c.FieldInt(fieldBurst); err != nil {
		return s, err
	}
	if s.Retry.MaxAttempts, err = c.FieldInt(fieldMaxAttempts); err != nil {
		return s, err
	}
	if s.Retry.InitialInterval, err = c.FieldDuration(fieldInitialInterval); err != nil {
		return s, err
	}
	if s.Retry.MaxInterval, err = c.FieldDuration(fieldMaxInterval); err != nil {
		return s, err
	}
	if s.Retry.MaxElapsed, err = c.FieldDuration(fieldMaxElapsed); err != nil {
		return s, err
	}
	maxBody, err := c.FieldInt(fieldMaxResponseBytes)
	if err != nil {
		return s, err
	}
	s.MaxResponseBytes = int64(maxBody)
	switch {
	case s.Timeout <= 0:
		return s, fmt.Errorf("field %s.%s: must be a positive duration", FieldHTTP, fieldTimeout)
	case s.RateLimit < 0:
		return s, fmt.Errorf("field %s.%s: must not be negative", FieldHTTP, fieldRateLimit)
	case s.Burst < 0:
		return s, fmt.Errorf("field %s.%s: must not be negative", FieldHTTP, fieldBurst)
	case s.Retry.MaxAttempts < 1:
		return s, fmt.Errorf("field %s.%s: must be at least 1", FieldHTTP, fieldMaxAttempts)
	case s.Retry.InitialInterval <= 0 || s.Retry.MaxInterval <= 0:
		return s, fmt.Errorf("field %s: retry intervals must be positive durations", FieldHTTP)
	case s.Retry.MaxElapsed < 0:
		return s, fmt.Errorf("field %s.%s: must not be negative", FieldHTTP, fieldMaxElapsed)
	case s.MaxResponseBytes <= 0:
		return s, fmt.Errorf("field %s.%s: must be positive", FieldHTTP, fieldMaxResponseBytes)
	}
	return s, nil
}
