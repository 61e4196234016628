package processors_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/synctask"
)

// This file registers test-only components for the end-to-end tests:
//   - dwtest_source: a source system with a compound (updated_at, id) cursor
//     that advances only over acknowledged batches, one task per poll cycle;
//   - dwtest_backbone_out / dwtest_backbone_in: an in-memory broker that
//     passes acknowledgements back to the producer, like a real backbone;
//   - dwtest_target: a target output with injectable permanent and
//     transient failures, recording outcomes through synctask.Reporter;
//   - dwtest_collect: an output that keeps what it receives.
// Fixtures are looked up by the `name` field.

type record struct {
	id        string
	updatedAt time.Time
	data      string
}

type cursor struct {
	updatedAt time.Time
	id        string
}

func (c cursor) less(r record) bool {
	return c.updatedAt.Before(r.updatedAt) || (c.updatedAt.Equal(r.updatedAt) && c.id < r.id)
}

// sourceSystem is the fake source: records, a cursor and poll triggers.
type sourceSystem struct {
	mu      sync.Mutex
	records map[string]record
	cur     cursor
	polls   chan string // task id of the next poll cycle
}

func (s *sourceSystem) put(r record) {
	s.mu.Lock()
	s.records[r.id] = r
	s.mu.Unlock()
}

func (s *sourceSystem) cursor() cursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// changedSince returns records after c, in cursor order.
func (s *sourceSystem) changedSince(c cursor) []record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []record
	for _, r := range s.records {
		if c.less(r) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].updatedAt.Equal(out[j].updatedAt) {
			return out[i].updatedAt.Before(out[j].updatedAt)
		}
		return out[i].id < out[j].id
	})
	return out
}

type backboneMsg struct {
	msg  *service.Message
	done chan error
}

// targetSystem is the fake target with fault injection.
type targetSystem struct {
	mu        sync.Mutex
	permanent map[string]bool // src_id → rejected with a validation error
	transient map[string]int  // src_id → failures left before success
	attempts  map[string]int  // src_id → delivery attempts
	sent      map[string]int  // src_id → accepted writes
}

func (t *targetSystem) resetCounts() {
	t.mu.Lock()
	t.attempts, t.sent = map[string]int{}, map[string]int{}
	t.mu.Unlock()
}

func (t *targetSystem) snapshot() (attempts, sent map[string]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	attempts, sent = map[string]int{}, map[string]int{}
	for k, v := range t.attempts {
		attempts[k] = v
	}
	for k, v := range t.sent {
		sent[k] = v
	}
	return
}

// retryableError is what a vendor client returns for a 503.
type retryableError struct{ msg string }

func (e *retryableError) Error() string   { return e.msg }
func (e *retryableError) Retryable() bool { return true }

func (t *targetSystem) upsert(id string) (synctask.Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.attempts[id]++
	if t.permanent[id] {
		return synctask.Result{}, synctask.Permanent("VALIDATION", fmt.Sprintf("order %s: customer_email is not a valid address", id))
	}
	if t.transient[id] > 0 {
		t.transient[id]--
		return synctask.Result{}, &retryableError{msg: "503 Service Unavailable"}
	}
	t.sent[id]++
	return synctask.Sent("tgt-" + id), nil
}

type collector struct {
	mu   sync.Mutex
	msgs []*service.Message
}

func (c *collector) all() []*service.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*service.Message(nil), c.msgs...)
}

var fixtures = struct {
	sync.Mutex
	sources    map[string]*sourceSystem
	backbones  map[string]chan backboneMsg
	targets    map[string]*targetSystem
	collectors map[string]*collector
}{sources: map[string]*sourceSystem{}, backbones: map[string]chan backboneMsg{}, targets: map[string]*targetSystem{}, collectors: map[string]*collector{}}

func newSource(name string) *sourceSystem {
	s := &sourceSystem{records: map[string]record{}, polls: make(chan string)}
	fixtures.Lock()
	fixtures.sources[name] = s
	fixtures.Unlock()
	return s
}

func newBackbone(name string) {
	fixtures.Lock()
	fixtures.backbones[name] = make(chan backboneMsg)
	fixtures.Unlock()
}

func newTarget(name string) *targetSystem {
	t := &targetSystem{permanent: map[string]bool{}, transient: map[string]int{}, attempts: map[string]int{}, sent: map[string]int{}}
	fixtures.Lock()
	fixtures.targets[name] = t
	fixtures.Unlock()
	return t
}

func newCollector(name string) *collector {
	c := &collector{}
	fixtures.Lock()
	fixtures.collectors[name] = c
	fixtures.Unlock()
	return c
}

func lookup[T any](m map[string]T, name string) (T, error) {
	fixtures.Lock()
	defer fixtures.Unlock()
	v, ok := m[name]
	if !ok {
		return v, fmt.Errorf("no fixture %q", name)
	}
	return v, nil
}

func nameSpec() *service.ConfigSpec {
	return service.NewConfigSpec().Field(service.NewStringField("name"))
}

func init() {
	service.MustRegisterBatchInput("dwtest_source", nameSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchInput, error) {
		name, _ := conf.FieldString("name")
		s, err := lookup(fixtures.sources, name)
		if err != nil {
			return nil, err
		}
		return service.AutoRetryNacksBatched(&sourceInput{sys: s}), nil
	})
	service.MustRegisterOutput("dwtest_backbone_out", nameSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.Output, int, error) {
		name, _ := conf.FieldString("name")
		ch, err := lookup(fixtures.backbones, name)
		return &backboneOut{ch: ch}, 16, err
	})
	service.MustRegisterInput("dwtest_backbone_in", nameSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.Input, error) {
		name, _ := conf.FieldString("name")
		ch, err := lookup(fixtures.backbones, name)
		return &backboneIn{ch: ch}, err
	})
	service.MustRegisterOutput("dwtest_target", nameSpec().Field(synctask.ReporterField()),
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.Output, int, error) {
			name, _ := conf.FieldString("name")
			t, err := lookup(fixtures.targets, name)
			if err != nil {
				return nil, 0, err
			}
			rep, err := synctask.NewReporterFromParsed(conf, mgr)
			if err != nil {
				return nil, 0, err
			}
			return &targetOutput{sys: t, rep: rep}, 8, nil
		})
	service.MustRegisterOutput("dwtest_collect", nameSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.Output, int, error) {
		name, _ := conf.FieldString("name")
		c, err := lookup(fixtures.collectors, name)
		return &collectOutput{c: c}, 1, err
	})
}

// sourceInput emits one poll cycle per trigger in batches of 100 and moves
// the cursor over a batch only when it and every batch before it are acked.
type sourceInput struct {
	sys     *sourceSystem
	mu      sync.Mutex
	pending []record
	taskID  string
	acked   map[int]cursor
	nextAck int
	sentN   int
}

func (s *sourceInput) Connect(context.Context) error { return nil }

func (s *sourceInput) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	s.mu.Lock()
	for len(s.pending) == 0 {
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case id := <-s.sys.polls:
			s.mu.Lock()
			s.taskID, s.pending = id, s.sys.changedSince(s.sys.cursor())
			s.acked, s.nextAck, s.sentN = map[int]cursor{}, 0, 0
		}
	}
	n := min(100, len(s.pending))
	chunk := s.pending[:n]
	s.pending = s.pending[n:]
	seq := s.sentN
	s.sentN++
	lastOfCycle := len(s.pending) == 0
	taskID := s.taskID
	s.mu.Unlock()

	batch := make(service.MessageBatch, 0, n)
	for _, r := range chunk {
		m := service.NewMessage([]byte(r.data))
		m.MetaSetMut("dw_src_id", r.id)
		m.MetaSetMut("dw_updated_at", r.updatedAt.Format(time.RFC3339Nano))
		m.MetaSetMut("dw_task_id", taskID)
		batch = append(batch, m)
	}
	if lastOfCycle {
		batch[n-1].MetaSetMut("dw_task_last", "true")
	}
	last := cursor{chunk[n-1].updatedAt, chunk[n-1].id}
	return batch, func(_ context.Context, err error) error {
		if err != nil {
			return nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.acked[seq] = last
		for {
			c, ok := s.acked[s.nextAck]
			if !ok {
				break
			}
			s.sys.mu.Lock()
			s.sys.cur = c
			s.sys.mu.Unlock()
			delete(s.acked, s.nextAck)
			s.nextAck++
		}
		return nil
	}, nil
}

func (s *sourceInput) Close(context.Context) error { return nil }

type backboneOut struct{ ch chan backboneMsg }

func (b *backboneOut) Connect(context.Context) error { return nil }
func (b *backboneOut) Write(ctx context.Context, m *service.Message) error {
	done := make(chan error, 1)
	select {
	case b.ch <- backboneMsg{msg: m.Copy(), done: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (b *backboneOut) Close(context.Context) error { return nil }

type backboneIn struct{ ch chan backboneMsg }

func (b *backboneIn) Connect(context.Context) error { return nil }
func (b *backboneIn) Read(ctx context.Context) (*service.Message, service.AckFunc, error) {
	select {
	case bm := <-b.ch:
		return bm.msg, func(_ context.Context, err error) error {
			bm.done <- err
			return nil
		}, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}
func (b *backboneIn) Close(context.Context) error { return nil }

type targetOutput struct {
	sys *targetSystem
	rep *synctask.Reporter
}

func (t *targetOutput) Connect(context.Context) error { return nil }
func (t *targetOutput) Write(ctx context.Context, m *service.Message) error {
	id, _ := m.MetaGet("dw_src_id")
	_, err := t.rep.Deliver(ctx, m, func(context.Context) (synctask.Result, error) { return t.sys.upsert(id) })
	return err
}
func (t *targetOutput) Close(ctx context.Context) error { return t.rep.Close(ctx) }

type collectOutput struct{ c *collector }

func (o *collectOutput) Connect(context.Context) error { return nil }
func (o *collectOutput) Write(_ context.Context, m *service.Message) error {
	o.c.mu.Lock()
	o.c.msgs = append(o.c.msgs, m.Copy())
	o.c.mu.Unlock()
	return nil
}
func (o *collectOutput) Close(context.Context) error { return nil }
