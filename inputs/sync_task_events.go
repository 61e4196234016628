package inputs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	steFieldStore        = "store"
	steFieldConsumer     = "consumer"
	steFieldStatuses     = "statuses"
	steFieldPollInterval = "poll_interval"
)

type syncTaskEventsConfig struct {
	dsn          string
	consumer     string
	statuses     []synctask.TaskStatus
	pollInterval time.Duration
}

func syncTaskEventsConfigFromParsed(conf *service.ParsedConfig) (c syncTaskEventsConfig, err error) {
	if c.dsn, err = conf.FieldString(steFieldStore); err != nil {
		return
	}
	if c.consumer, err = conf.FieldString(steFieldConsumer); err != nil {
		return
	}
	if c.consumer == "" {
		err = fmt.Errorf("%s must not be empty", steFieldConsumer)
		return
	}
	var sts []string
	if sts, err = conf.FieldStringList(steFieldStatuses); err != nil {
		return
	}
	for _, s := range sts {
		ts := synctask.TaskStatus(s)
		if !ts.Valid() || ts == synctask.TaskProcessing {
			err = fmt.Errorf("%s: %q is not a terminal task status (Completed, Fail, Incompleted)", steFieldStatuses, s)
			return
		}
		c.statuses = append(c.statuses, ts)
	}
	if c.pollInterval, err = conf.FieldDuration(steFieldPollInterval); err != nil {
		return
	}
	if c.pollInterval <= 0 {
		err = fmt.Errorf("%s must be positive", steFieldPollInterval)
	}
	return
}

func syncTaskEventsSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Integration").
		Summary("Emits each finished sync task as a message, for notifications by any output (DataWald's sync_task_notification).").
		Description(`
Every time a task reaches Completed, Fail or Incompleted (again, after a retry) the store records an event;
this input emits them in order as JSON:

`+"```json"+`
{"seq": 42, "at": "2026-11-22T10:00:00Z", "task": {"id": "...", "tx_type": "order", "source": "netsuite",
 "target": "magento", "sync_status": "Fail", "counts": {"N": 0, "S": 97, "F": 3, "I": 0, "?": 0},
 "cut_at": "...", "started_at": "...", "ended_at": "...", "deadline_ms": 3600000, "retries": 0, "sealed": true}}
`+"```"+`

Metadata: `+"`dw_task_id`, `dw_tx_type`, `dw_source`, `dw_target`, `dw_sync_status`, `dw_event_seq`"+`.

The position is kept in the store under `+"`consumer`"+` and advances only over acknowledged events, so after
a restart delivery resumes where it stopped (at least once). Consumers with different names each get every
event. The input wakes as soon as a task of this process finishes and otherwise checks every `+"`poll_interval`"+`.

Metrics: `+"`datawald_sync_task_duration_ns{tx_type,status}`"+` (started to ended) and `+"`datawald_sync_tasks_finished_total{tx_type,status}`"+`.`).
		Fields(
			synctask.StoreField(),
			service.NewStringField(steFieldConsumer).Description("Name of this consumer's position in the event log.").Default("default").Example("notify-slack"),
			service.NewStringListField(steFieldStatuses).Description("Only emit tasks that finished with one of these statuses; empty for all. Skipped events still advance the position.").Default([]string{}).Example([]string{"Fail", "Incompleted"}),
			service.NewDurationField(steFieldPollInterval).Description("How often to look for tasks finished by other processes.").Default("5s"),
		).
		Example("Post failed tasks to a webhook", "", `
input:
  sync_task_events:
    store: sqlite:///var/lib/datawald/synctask.db
    consumer: ops-webhook
    statuses: [ Fail, Incompleted ]
output:
  http_client:
    url: https://hooks.example.com/datawald
    verb: POST
`)
}

func init() {
	service.MustRegisterInput("sync_task_events", syncTaskEventsSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.Input, error) {
		c, err := syncTaskEventsConfigFromParsed(conf)
		if err != nil {
			return nil, err
		}
		m := mgr.Metrics()
		return service.AutoRetryNacks(&syncTaskEvents{
			conf:     c,
			duration: m.NewTimer("datawald_sync_task_duration_ns", "tx_type", "status"),
			finished: m.NewCounter("datawald_sync_tasks_finished_total", "tx_type", "status"),
		}), nil
	})
}

type syncTaskEvents struct {
	conf     syncTaskEventsConfig
	store    *synctask.Shared
	duration *service.MetricTimer
	finished *service.MetricCounter

	mu        sync.Mutex
	buf       []synctask.TaskEvent
	readUpTo  int64 // highest seq handed out or skipped
	committed int64 // highest seq saved as the cursor
	inflight  map[int64]struct{}
}

func (e *syncTaskEvents) cursorName() string { return "task_events:" + e.conf.consumer }

// Connect acquires the store and loads this consumer's position.
func (e *syncTaskEvents) Connect(ctx context.Context) error {
	if e.store != nil {
		return nil
	}
	store, err := synctask.Acquire(ctx, e.conf.dsn)
	if err != nil {
		return err
	}
	pos, err := store.LoadCursor(ctx, e.cursorName())
	if err != nil {
		_ = store.Release(ctx)
		return err
	}
	e.mu.Lock()
	e.store, e.readUpTo, e.committed, e.inflight, e.buf = store, pos, pos, map[int64]struct{}{}, nil
	e.mu.Unlock()
	return nil
}

// Read returns the next finished task.
func (e *syncTaskEvents) Read(ctx context.Context) (*service.Message, service.AckFunc, error) {
	if e.store == nil {
		return nil, nil, service.ErrNotConnected
	}
	for {
		ev, ok, err := e.next(ctx)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			return e.toMessage(ev)
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-e.store.EventsReady():
		case <-time.After(e.conf.pollInterval):
		}
	}
}

// next pops the next wanted event, refilling the buffer from the store.
func (e *syncTaskEvents) next(ctx context.Context) (synctask.TaskEvent, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for {
		for len(e.buf) > 0 {
			ev := e.buf[0]
			e.buf = e.buf[1:]
			e.readUpTo = ev.Seq
			if len(e.conf.statuses) > 0 && !slices.Contains(e.conf.statuses, ev.Task.Status) {
				continue
			}
			e.inflight[ev.Seq] = struct{}{}
			return ev, true, nil
		}
		evs, err := e.store.TaskEvents(ctx, e.readUpTo, 100)
		if err != nil {
			return synctask.TaskEvent{}, false, fmt.Errorf("reading task events: %w", err)
		}
		if len(evs) == 0 {
			return synctask.TaskEvent{}, false, e.commitLocked(ctx)
		}
		e.buf = evs
	}
}

func (e *syncTaskEvents) toMessage(ev synctask.TaskEvent) (*service.Message, service.AckFunc, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding task event %d: %w", ev.Seq, err)
	}
	t := ev.Task
	msg := service.NewMessage(body)
	msg.MetaSetMut("dw_task_id", t.ID)
	msg.MetaSetMut("dw_tx_type", t.TxType)
	msg.MetaSetMut("dw_source", t.Source)
	msg.MetaSetMut("dw_target", t.Target)
	msg.MetaSetMut("dw_sync_status", string(t.Status))
	msg.MetaSetMut("dw_event_seq", strconv.FormatInt(ev.Seq, 10))
	if !t.EndedAt.IsZero() && !t.StartedAt.IsZero() {
		e.duration.Timing(t.EndedAt.Sub(t.StartedAt).Nanoseconds(), t.TxType, string(t.Status))
	}
	e.finished.Incr(1, t.TxType, string(t.Status))
	return msg, func(ctx context.Context, err error) error {
		if err != nil {
			return nil // AutoRetryNacks re-sends it; the position stays
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.inflight, ev.Seq)
		return e.commitLocked(ctx)
	}, nil
}

// commitLocked saves the highest position below every unacknowledged event.
func (e *syncTaskEvents) commitLocked(ctx context.Context) error {
	pos := e.readUpTo
	for seq := range e.inflight {
		pos = min(pos, seq-1)
	}
	if pos <= e.committed {
		return nil
	}
	if err := e.store.SaveCursor(ctx, e.cursorName(), pos); err != nil {
		return err
	}
	e.committed = pos
	return nil
}

// Close releases the store.
func (e *syncTaskEvents) Close(ctx context.Context) error {
	if e.store == nil {
		return nil
	}
	err := e.store.Release(ctx)
	e.store = nil
	return err
}
