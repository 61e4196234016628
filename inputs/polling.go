package inputs

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/robfig/cron/v3"

	"github.com/datawald/datawald/internal/checkpoint"
)

// Field names shared by the polling inputs (magento, netsuite, hubspot,
// sap_b1).
const (
	pollFieldPageSize     = "page_size"
	pollFieldPollInterval = "poll_interval"
	pollFieldSchedule     = "schedule"
	pollFieldLag          = "lag"
	pollFieldStartFrom    = "start_from"
)

// pollScheduleConflict is the lint check every polling input adds to its
// rule: a Bloblang condition and the message given when it holds.
const (
	pollScheduleConflictWhen    = `this.exists("schedule") && this.exists("poll_interval")`
	pollScheduleConflictMessage = "set either schedule or poll_interval, not both"
)

// pollingConfig is the part of a polling input's config that says when its
// poll cycles run, how far each reads and where the first starts.
type pollingConfig struct {
	pageSize     int
	pollInterval time.Duration
	schedule     cron.Schedule // nil: cycles every pollInterval
	lag          time.Duration
	startFrom    time.Time // UTC; zero: the first cycle reads everything
}

// pollingFieldDocs is what differs between the polling inputs' shared
// fields: the source's page size limit, how it words pages and lag, and
// the lag it needs by default.
type pollingFieldDocs struct {
	maxPageSize int
	pageSize    string // description of page_size
	lag         string // description of lag
	lagDefault  string // default of lag; empty: "5s"
}

// pollingFields returns the page_size, poll_interval, schedule, lag and
// start_from fields, in the order they are documented. Parse them with
// pollingConfigFromParsed and lint them with pollScheduleConflictWhen.
func pollingFields(d pollingFieldDocs) []*service.ConfigField {
	lagDefault := d.lagDefault
	if lagDefault == "" {
		lagDefault = "5s"
	}
	return []*service.ConfigField{
		service.NewIntField(pollFieldPageSize).
			Description(d.pageSize).
			Default(d.maxPageSize).
			LintRule(fmt.Sprintf(`root = if this < 1 || this > %[1]d { [ "must be between 1 and %[1]d" ] }`, d.maxPageSize)).
			Advanced(),
		service.NewDurationField(pollFieldPollInterval).
			Description("Time between the end of one poll cycle and the start of the next, when `schedule` is not set.").
			Default("1m"),
		service.NewStringField(pollFieldSchedule).
			Description("A cron expression (5 fields, or a descriptor such as `@hourly`) that starts poll cycles instead of `poll_interval`. The next cycle starts at the first tick after the previous one ended: ticks that pass while a cycle runs are skipped.").
			Example("*/5 * * * *").Optional(),
		service.NewDurationField(pollFieldLag).
			Description(d.lag).
			Default(lagDefault).Advanced(),
		service.NewStringField(pollFieldStartFrom).
			Description("RFC 3339 time to start from when no position is stored yet (first run or a backfill with a new `checkpoint_key`). Without it the first cycle reads everything.").
			Example("2026-01-01T00:00:00Z").Optional(),
	}
}

// pollingConfigFromParsed reads the fields of pollingFields; page_size must
// be between 1 and maxPageSize.
func pollingConfigFromParsed(conf *service.ParsedConfig, maxPageSize int) (c pollingConfig, err error) {
	if c.pageSize, err = conf.FieldInt(pollFieldPageSize); err != nil {
		return
	}
	if c.pageSize < 1 || c.pageSize > maxPageSize {
		err = fmt.Errorf("field %s: must be between 1 and %d, got %d", pollFieldPageSize, maxPageSize, c.pageSize)
		return
	}
	if c.pollInterval, err = conf.FieldDuration(pollFieldPollInterval); err != nil {
		return
	}
	if c.pollInterval <= 0 {
		err = fmt.Errorf("field %s: must be positive, got %s", pollFieldPollInterval, c.pollInterval)
		return
	}
	if conf.Contains(pollFieldSchedule) {
		var spec string
		if spec, err = conf.FieldString(pollFieldSchedule); err != nil {
			return
		}
		if c.schedule, err = cron.ParseStandard(spec); err != nil {
			err = fmt.Errorf("field %s: parsing cron expression %q: %w", pollFieldSchedule, spec, err)
			return
		}
	}
	if c.lag, err = conf.FieldDuration(pollFieldLag); err != nil {
		return
	}
	if c.lag < 0 {
		err = fmt.Errorf("field %s: must not be negative, got %s", pollFieldLag, c.lag)
		return
	}
	if conf.Contains(pollFieldStartFrom) {
		var s string
		if s, err = conf.FieldString(pollFieldStartFrom); err != nil {
			return
		}
		if c.startFrom, err = time.Parse(time.RFC3339, s); err != nil {
			err = fmt.Errorf("field %s: %q is not an RFC 3339 timestamp: %w", pollFieldStartFrom, s, err)
			return
		}
		c.startFrom = c.startFrom.UTC()
	}
	return
}

// openCheckpoint loads the position committed in store and returns its
// tracker with the position the next cycle reads from: the committed
// cursor or, when none is stored yet and start_from is set,
// (start_from's second, ""), which sorts before every row of that second,
// so the first cycle reads from start_from on (to the second).
func (c pollingConfig) openCheckpoint(ctx context.Context, store *checkpoint.Store) (*checkpoint.Checkpointer, checkpoint.Cursor, error) {
	cp, err := checkpoint.NewCheckpointer(ctx, store)
	if err != nil {
		return nil, checkpoint.Cursor{}, err
	}
	pos := cp.Committed()
	if pos.IsZero() && !c.startFrom.IsZero() {
		pos = checkpoint.Cursor{Time: c.startFrom.Truncate(time.Second)}
	}
	return cp, pos, nil
}

// secondsUpper is the upper bound of a cycle started at at, for sources
// whose times have whole seconds: at minus lag rounded down to a whole
// second, and never at's own second or later, so rows saved later in that
// second are read by the next cycle.
func (c pollingConfig) secondsUpper(at time.Time) time.Time {
	upper := at.Add(-c.lag).Truncate(time.Second)
	if cur := at.Truncate(time.Second); !upper.Before(cur) {
		upper = cur.Add(-time.Second)
	}
	return upper
}

// nextCycleTime is when the cycle after one that ended at after starts.
func (c pollingConfig) nextCycleTime(after time.Time) time.Time {
	if c.schedule != nil {
		return c.schedule.Next(after)
	}
	return after.Add(c.pollInterval)
}

// pollTimer paces a polling input's cycles. The input's reading goroutine
// calls wait and cycleEnded; close may be called from any goroutine.
type pollTimer struct {
	now      func() time.Time // the local clock; tests replace it
	nextPoll time.Time        // zero until the first cycle has ended

	closeOnce sync.Once
	closed    chan struct{}
}

func newPollTimer() *pollTimer {
	return &pollTimer{now: time.Now, closed: make(chan struct{})}
}

// wait blocks until the next cycle is due. The first cycle starts at once
// unless a schedule says otherwise. It returns ctx's error when ctx ends
// and service.ErrEndOfInput once close was called.
func (t *pollTimer) wait(ctx context.Context, c pollingConfig) error {
	if t.nextPoll.IsZero() {
		if c.schedule == nil {
			return nil
		}
		t.nextPoll = c.schedule.Next(t.now())
	}
	d := t.nextPoll.Sub(t.now())
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.closed:
		return service.ErrEndOfInput
	}
}

// cycleEnded schedules the next cycle from now.
func (t *pollTimer) cycleEnded(c pollingConfig) {
	t.nextPoll = c.nextCycleTime(t.now())
}

// Close stops a pending wait and every later one; it is the polling
// inputs' Close. Acks after Close still save the position.
func (t *pollTimer) Close(context.Context) error {
	t.closeOnce.Do(func() { close(t.closed) })
	return nil
}

// registerPollingInput registers a polling input: its config is parsed by
// parse and its position kept in the checkpoint cache its spec names
// (checkpoint.Fields), and nacked messages are retried unless the spec's
// auto_replay_nacks toggle is off.
func registerPollingInput[C any, I service.Input](name string, spec *service.ConfigSpec,
	parse func(*service.ParsedConfig) (C, error),
	build func(C, *checkpoint.Store, *service.Resources) (I, error),
) {
	service.MustRegisterInput(name, spec, func(conf *service.ParsedConfig, mgr *service.Resources) (service.Input, error) {
		cfg, err := parse(conf)
		if err != nil {
			return nil, err
		}
		store, err := checkpoint.NewStoreFromParsed(conf, mgr)
		if err != nil {
			return nil, err
		}
		in, err := build(cfg, store, mgr)
		if err != nil {
			return nil, err
		}
		return service.AutoRetryNacksToggled(conf, in)
	})
}
