package processors

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/synctask"
	"github.com/datawald/datawald/internal/synctask/api"
)

const (
	stpFieldStore          = stFieldStore
	stpFieldSource         = "source"
	stpFieldTarget         = "target"
	stpFieldTxType         = "tx_type"
	stpFieldSrcID          = "src_id"
	stpFieldUpdatedAt      = "updated_at"
	stpFieldCreatedAt      = "created_at"
	stpFieldTxTypes        = "tx_types"
	stpFieldDeadline       = "deadline"
	stpFieldForwardIgnored = "forward_ignored"
	stpFieldSchemaFile     = "schema_file"
	stpFieldAPI            = "api"
)

type syncTaskProcConfig struct {
	dsn                         string
	source, target, txType      *service.InterpolatedString
	srcID, updatedAt, createdAt *service.InterpolatedString
	txTypes                     []string
	deadline                    time.Duration
	forwardIgnored              bool
	schemaFile                  string
	api                         api.Config
}

func syncTaskProcConfigFromParsed(conf *service.ParsedConfig) (c syncTaskProcConfig, err error) {
	if c.dsn, err = conf.FieldString(stpFieldStore); err != nil {
		return
	}
	for name, dst := range map[string]**service.InterpolatedString{
		stpFieldSource: &c.source, stpFieldTarget: &c.target, stpFieldTxType: &c.txType,
		stpFieldSrcID: &c.srcID, stpFieldUpdatedAt: &c.updatedAt, stpFieldCreatedAt: &c.createdAt,
	} {
		if *dst, err = conf.FieldInterpolatedString(name); err != nil {
			return
		}
	}
	if c.txTypes, err = conf.FieldStringList(stpFieldTxTypes); err != nil {
		return
	}
	if c.deadline, err = conf.FieldDuration(stpFieldDeadline); err != nil {
		return
	}
	if c.deadline <= 0 {
		err = fmt.Errorf("%s must be positive", stpFieldDeadline)
		return
	}
	if c.forwardIgnored, err = conf.FieldBool(stpFieldForwardIgnored); err != nil {
		return
	}
	if c.schemaFile, err = conf.FieldString(stpFieldSchemaFile); err != nil {
		return
	}
	c.api, err = api.ConfigFromParsed(conf.Namespace(stpFieldAPI))
	return
}

func syncTaskProcSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Integration").
		Summary("Stages canonical entities in the sync-task store, deduplicates them by content and attaches them to sync tasks.").
		Description(`
Place it on the source side, after the mapping from the source system to the canonical entity. For
each message (one entity, a JSON body) it:

- reads the entity key (`+"`source`, `target`, `tx_type`, `src_id`"+`, by default from the `+"`dw_*`"+` metadata the input or mapping sets);
- validates the body against `+"`schema_file`"+` when set; an invalid entity is staged F with a readable note and does not go on;
- stages it: new or changed data → N (previous data kept as old_data); unchanged after S or I → I; unchanged after F, N or ? → N;
- attaches it to the task named by the `+"`dw_task_id`"+` metadata (an input sets it per poll cycle and flags the cycle's last message with `+"`dw_task_last: true`"+`, which seals the cycle's tasks), or to one new, sealed task per batch and key triple when absent;
- sets the envelope metadata `+"`dw_source`, `dw_target`, `dw_tx_type`, `dw_src_id`, `dw_updated_at`, `dw_task_id`, `dw_hash`"+`;
- drops I entities unless `+"`forward_ignored`"+` is true.

A sync task holds one source, target and tx_type. When one `+"`dw_task_id`"+` carries several tx_types (a
NetSuite invoice staged both as an `+"`invoice`"+` and as an `+"`order_status`"+`), the first tx_type staged
under it keeps the id and each other tx_type gets its own task `+"`<dw_task_id>-<tx_type>`"+`; the forwarded
`+"`dw_task_id`"+` is always the stored task's id, so replays and outcomes find it. The cycle's
`+"`dw_task_last`"+` message seals all of them. A `+"`dw_task_id`"+` reused for another source or target is
refused: those messages are marked errored naming both tasks and logged, never dropped.

A message with a missing key field or an unknown tx_type is marked errored with a message naming what is
missing and is not staged. When the store is unreachable the batch is retried with backoff and held (never
acked, never dropped) until the store answers or the stream stops; messages still held at shutdown leave
errored, so wrap the backbone output in `+"`reject_errored`"+` to have them nacked and read again.

A task finishes (Completed, Fail or Incompleted) once it is sealed and every entity has an outcome.
Entities without an outcome `+"`deadline`"+` after they were staged become ?, and their task Incompleted; a
task never sealed (its input stopped mid-cycle) is sealed at its deadline.

The processor also serves the sync-task HTTP API under `+"`/datawald/v1/`"+` on the Benthos HTTP server (see the `+"`api`"+` field)
from the moment the stream is built, before any message has flowed; in streams mode under `+"`/{stream}/datawald/v1/`"+`
and, through `+"`datawald streams`"+`, at `+"`/datawald/v1/`"+` for the whole process.

### Metrics

- `+"`datawald_sync_staged_total{tx_type,status}`"+`: entities staged, by the status staging gave them.
- `+"`datawald_sync_rejected_total{reason}`"+`: messages marked errored (missing_key, unknown_tx_type, bad_timestamp).
- `+"`datawald_sync_store_latency_ns{op}`"+`: store call latency.`).
		Fields(
			synctask.StoreField(),
			service.NewInterpolatedStringField(stpFieldSource).Description("Source endpoint id.").Default(`${! meta("dw_source").or("") }`).Example("netsuite-eu"),
			service.NewInterpolatedStringField(stpFieldTarget).Description("Target endpoint id.").Default(`${! meta("dw_target").or("") }`).Example("magento"),
			service.NewInterpolatedStringField(stpFieldTxType).Description("Entity type.").Default(`${! meta("dw_tx_type").or("") }`).Example("order"),
			service.NewInterpolatedStringField(stpFieldSrcID).Description("The entity's id in the source system.").Default(`${! meta("dw_src_id").or("") }`).Example(`${! json("id") }`),
			service.NewInterpolatedStringField(stpFieldUpdatedAt).Description("Source modification time (RFC 3339); empty means now.").Default(`${! meta("dw_updated_at").or("") }`),
			service.NewInterpolatedStringField(stpFieldCreatedAt).Description("Source creation time (RFC 3339); empty means the updated time.").Default(`${! meta("dw_created_at").or("") }`),
			service.NewStringListField(stpFieldTxTypes).Description("Known tx_types; any other is an error. Empty accepts every tx_type.").Default([]string{}).Example([]string{"order", "customer", "product"}),
			service.NewDurationField(stpFieldDeadline).Description("Time after staging by which an entity needs an outcome; after it the entity becomes ? and its task Incompleted.").Default("1h"),
			service.NewBoolField(stpFieldForwardIgnored).Description("Forward I entities (unchanged since their last delivery) instead of dropping them.").Default(false),
			service.NewStringField(stpFieldSchemaFile).Description("Path of a JSON Schema the canonical entity must satisfy; empty disables validation.").Default("").Example("./schemas/order.json"),
			api.ConfigField(stpFieldAPI),
		).
		Example("Stage NetSuite orders bound for Magento", "", `
pipeline:
  processors:
    - resource: netsuite_order_to_canonical # the source mapping
    - sync_task:
        store: sqlite:///var/lib/datawald/synctask.db
        source: netsuite
        target: magento
        tx_type: order
        src_id: '${! json("source_id") }'
        updated_at: '${! json("updated_at") }'
        tx_types: [ order ]
        deadline: 30m
`)
}

func init() {
	service.MustRegisterBatchProcessor("sync_task", syncTaskProcSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchProcessor, error) {
		c, err := syncTaskProcConfigFromParsed(conf)
		if err != nil {
			return nil, err
		}
		return newSyncTaskProc(c, mgr)
	})
}

type syncTaskProc struct {
	conf    syncTaskProcConfig
	mgr     *service.Resources
	schema  *entitySchema
	log     *service.Logger
	staged  *service.MetricCounter
	reject  *service.MetricCounter
	latency *service.MetricTimer

	store *syncTaskStore

	mu sync.Mutex // guards open, openOrder and derived
	// open lists, per input task id not yet ended by its dw_task_last
	// message, the stored tasks staged unsealed; openOrder is its age order.
	open      map[string]map[string]bool
	openOrder []string
	// derived caches the stored task id of a tx_type whose input task id
	// belongs to another tx_type, so later batches skip the refused attempt.
	derived map[groupKey]string
}

func newSyncTaskProc(c syncTaskProcConfig, mgr *service.Resources) (*syncTaskProc, error) {
	p := &syncTaskProc{conf: c, mgr: mgr, log: mgr.Logger(), store: newSyncTaskStore(c.dsn, mgr.Logger()), open: map[string]map[string]bool{}, derived: map[groupKey]string{}}
	if c.schemaFile != "" {
		s, err := loadEntitySchema(c.schemaFile)
		if err != nil {
			return nil, err
		}
		p.schema = s
	}
	// The API is mounted now, not when the store is first opened: a stream
	// whose input has not produced yet must answer it too.
	if err := api.Mount(mgr, c.dsn, c.api); err != nil {
		return nil, err
	}
	m := mgr.Metrics()
	p.staged = m.NewCounter("datawald_sync_staged_total", "tx_type", "status")
	p.reject = m.NewCounter("datawald_sync_rejected_total", "reason")
	p.latency = m.NewTimer("datawald_sync_store_latency_ns", "op")
	return p, nil
}

// pending is one message accepted for staging.
type pending struct {
	idx int
	in  synctask.StageInput
}

// groupKey identifies the task a message goes to: a sync task has one
// source, target and tx_type, so one input task id (dw_task_id) yields one
// stored task per key triple.
type groupKey struct {
	inputID, source, target, txType string
}

type group struct {
	key   groupKey
	spec  synctask.TaskSpec
	items []pending
}

// derivedTaskID is the stored id of the task for txType when the input's
// task id is already taken by another tx_type.
func derivedTaskID(inputID, txType string) string { return inputID + "-" + txType }

// maxOpenCycles bounds the bookkeeping of input tasks not yet sealed; past
// it the oldest are forgotten (their tasks are then sealed at their deadline).
const maxOpenCycles = 1024

// ProcessBatch stages the batch, one store call per task.
func (p *syncTaskProc) ProcessBatch(ctx context.Context, batch service.MessageBatch) ([]service.MessageBatch, error) {
	groups := map[groupKey]*group{}
	var order []*group
	lastOf := map[string]bool{}
	keep := make([]bool, len(batch))
	for i, msg := range batch {
		in, taskID, last, reason, err := p.readEntity(batch, i)
		if err != nil {
			p.reject.Incr(1, reason)
			msg.SetError(err)
			keep[i] = true
			continue
		}
		k := groupKey{inputID: taskID, source: in.Source, target: in.Target, txType: in.TxType}
		g, ok := groups[k]
		if !ok {
			g = &group{key: k, spec: synctask.TaskSpec{ID: taskID, Source: in.Source, Target: in.Target, TxType: in.TxType, Deadline: p.conf.deadline}}
			if taskID == "" {
				// A batch without an input-provided task is its own task.
				g.spec.ID, g.spec.Seal = synctask.NewTaskID(), true
			}
			groups[k] = g
			order = append(order, g)
		}
		// An input's poll cycle ends with the message flagged dw_task_last;
		// it ends the cycle's tasks of every tx_type.
		if taskID != "" && last {
			lastOf[taskID] = true
		}
		g.items = append(g.items, pending{idx: i, in: in})
	}
	for _, g := range order {
		if lastOf[g.key.inputID] {
			g.spec.Seal = true
		}
		results, err := p.stage(ctx, g)
		if err != nil {
			p.log.Errorf("%v", err)
			for _, it := range g.items {
				batch[it.idx].SetError(err)
				keep[it.idx] = true
			}
			continue
		}
		p.noteStaged(g)
		for j, r := range results {
			it := g.items[j]
			p.staged.Incr(1, r.TxType, string(r.Status))
			msg := batch[it.idx]
			synctask.SetEnvelope(msg, synctask.Envelope{Key: r.Key, TaskID: r.TaskID, Hash: r.Hash, UpdatedAt: it.in.UpdatedAt})
			switch r.Status {
			case synctask.StatusNew:
				keep[it.idx] = true
			case synctask.StatusIgnored:
				keep[it.idx] = p.conf.forwardIgnored
			}
		}
	}
	for inputID := range lastOf {
		p.sealCycle(ctx, inputID)
	}
	out := make(service.MessageBatch, 0, len(batch))
	for i, msg := range batch {
		if keep[i] {
			out = append(out, msg)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return []service.MessageBatch{out}, nil
}

// noteStaged remembers the stored task of an input task that is still
// open, so that the cycle's last message seals it even when the batch that
// carries that message holds no entity of its tx_type.
func (p *syncTaskProc) noteStaged(g *group) {
	if g.key.inputID == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if g.spec.ID != g.key.inputID {
		p.derived[g.key] = g.spec.ID
	}
	if g.spec.Seal {
		delete(p.open[g.key.inputID], g.spec.ID)
		return
	}
	if p.open[g.key.inputID] == nil {
		if len(p.openOrder) >= maxOpenCycles {
			p.forgetCycleLocked(p.openOrder[0])
		}
		p.open[g.key.inputID] = map[string]bool{}
		p.openOrder = append(p.openOrder, g.key.inputID)
	}
	p.open[g.key.inputID][g.spec.ID] = true
}

// sealCycle seals the stored tasks of inputID staged by earlier batches
// and not sealed by this one. A task that cannot be sealed is logged: its
// entities are staged and forwarded already, and the deadline seals it at
// the latest.
func (p *syncTaskProc) sealCycle(ctx context.Context, inputID string) {
	p.mu.Lock()
	ids := p.open[inputID]
	p.forgetCycleLocked(inputID)
	p.mu.Unlock()
	for id := range ids {
		err := p.sealTask(ctx, id)
		if err == nil || errors.Is(err, synctask.ErrNotFound) {
			continue
		}
		p.log.Errorf("sealing sync task %s at the end of input task %s: %v (it is sealed at its deadline)", id, inputID, err)
	}
}

func (p *syncTaskProc) sealTask(ctx context.Context, id string) error {
	store, err := p.store.open(ctx)
	if err != nil {
		return err
	}
	return store.SealTask(ctx, id)
}

func (p *syncTaskProc) forgetCycleLocked(inputID string) {
	delete(p.open, inputID)
	p.openOrder = slices.DeleteFunc(p.openOrder, func(s string) bool { return s == inputID })
	for k := range p.derived {
		if k.inputID == inputID {
			delete(p.derived, k)
		}
	}
}

// stage calls the store, retrying with backoff while it is unreachable so
// the batch is held rather than dropped; it gives up only when ctx ends.
func (p *syncTaskProc) stage(ctx context.Context, g *group) ([]synctask.StageResult, error) {
	in := make([]synctask.StageInput, len(g.items))
	for i, it := range g.items {
		in[i] = it.in
	}
	wait := 200 * time.Millisecond
	for {
		start := time.Now()
		res, err := p.stageOnce(ctx, g, in)
		p.latency.Timing(time.Since(start).Nanoseconds(), "stage")
		if err == nil {
			return res, nil
		}
		if !retryableStoreError(err) || ctx.Err() != nil {
			return nil, fmt.Errorf("staging %d %s entities of task %s: %w", len(in), g.spec.TxType, g.spec.ID, err)
		}
		p.log.Errorf("staging %d %s entities of task %s: %v; retrying in %s", len(in), g.spec.TxType, g.spec.ID, err, wait)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("staging %d %s entities of task %s: %w", len(in), g.spec.TxType, g.spec.ID, err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 10*time.Second)
	}
}

// stageOnce stages g in its task. When the input's task id already names a
// task of another tx_type (one poll cycle staging an invoice both as an
// invoice and as an order_status), g goes to the task derivedTaskID names
// instead: a sync task holds one tx_type. A task id reused for another
// source or target stays an error.
func (p *syncTaskProc) stageOnce(ctx context.Context, g *group, in []synctask.StageInput) ([]synctask.StageResult, error) {
	store, err := p.store.open(ctx)
	if err != nil {
		return nil, err
	}
	if g.key.inputID != "" {
		p.mu.Lock()
		if id, ok := p.derived[g.key]; ok {
			g.spec.ID = id
		}
		p.mu.Unlock()
	}
	res, err := store.Stage(ctx, g.spec, in)
	var mm *synctask.TaskMismatchError
	if err == nil || g.key.inputID == "" || g.spec.ID != g.key.inputID || !errors.As(err, &mm) ||
		mm.Existing.Source != g.spec.Source || mm.Existing.Target != g.spec.Target {
		return res, err
	}
	g.spec.ID = derivedTaskID(g.key.inputID, g.key.txType)
	return store.Stage(ctx, g.spec, in)
}

// retryableStoreError tells store outages (retry) from refusals that will
// never succeed (a reused task id, a corrupt row, an invalid key).
func retryableStoreError(err error) bool {
	var mm *synctask.TaskMismatchError
	var cr *synctask.CorruptRowError
	var mk *synctask.MissingKeyError
	return !errors.As(err, &mm) && !errors.As(err, &cr) && !errors.As(err, &mk)
}

// readEntity extracts the staging input of message i. It returns a reason
// label and an error naming what is wrong when the message cannot be staged.
func (p *syncTaskProc) readEntity(batch service.MessageBatch, i int) (in synctask.StageInput, taskID string, last bool, reason string, err error) {
	msg := batch[i]
	fields := []struct {
		name string
		expr *service.InterpolatedString
		dst  *string
	}{
		{stpFieldSource, p.conf.source, &in.Source}, {stpFieldTarget, p.conf.target, &in.Target},
		{stpFieldTxType, p.conf.txType, &in.TxType}, {stpFieldSrcID, p.conf.srcID, &in.SrcID},
	}
	for _, f := range fields {
		if *f.dst, err = batch.TryInterpolatedString(i, f.expr); err != nil {
			return in, "", false, "missing_key", fmt.Errorf("sync_task: evaluating %s: %w", f.name, err)
		}
		if *f.dst == "null" { // an interpolation of a missing value
			*f.dst = ""
		}
	}
	if err := in.Key.Validate(); err != nil {
		return in, "", false, "missing_key", fmt.Errorf("sync_task: cannot stage entity: %w (set the dw_* metadata or the processor's key fields)", err)
	}
	if len(p.conf.txTypes) > 0 && !slices.Contains(p.conf.txTypes, in.TxType) {
		return in, "", false, "unknown_tx_type", fmt.Errorf("sync_task: unknown tx_type %q for %s (known: %v)", in.TxType, in.Key, p.conf.txTypes)
	}
	if in.UpdatedAt, err = p.timeField(batch, i, p.conf.updatedAt, stpFieldUpdatedAt); err != nil {
		return in, "", false, "bad_timestamp", err
	}
	if in.UpdatedAt.IsZero() {
		in.UpdatedAt = time.Now().UTC()
	}
	if in.CreatedAt, err = p.timeField(batch, i, p.conf.createdAt, stpFieldCreatedAt); err != nil {
		return in, "", false, "bad_timestamp", err
	}
	if in.CreatedAt.IsZero() {
		in.CreatedAt = in.UpdatedAt
	}
	if in.Data, err = msg.AsBytes(); err != nil {
		return in, "", false, "missing_key", fmt.Errorf("sync_task: reading body of %s: %w", in.Key, err)
	}
	if _, herr := synctask.ContentHash(in.Data); herr != nil {
		in.Failed, in.ErrorCode, in.Note = true, "INVALID_JSON", "payload is not valid JSON: "+herr.Error()
	} else if p.schema != nil {
		if note := p.schema.validate(in.Data); note != "" {
			in.Failed, in.ErrorCode, in.Note = true, "SCHEMA", note
		}
	}
	taskID, _ = msg.MetaGet(synctask.MetaTaskID)
	lastFlag, _ := msg.MetaGet(synctask.MetaTaskLast)
	return in, taskID, lastFlag == "true", "", nil
}

func (p *syncTaskProc) timeField(batch service.MessageBatch, i int, expr *service.InterpolatedString, name string) (time.Time, error) {
	v, err := batch.TryInterpolatedString(i, expr)
	if err != nil {
		return time.Time{}, fmt.Errorf("sync_task: evaluating %s: %w", name, err)
	}
	if v == "" || v == "null" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("sync_task: %s %q is not an RFC 3339 time: %w", name, v, err)
	}
	return t.UTC(), nil
}

// Close releases the store.
func (p *syncTaskProc) Close(ctx context.Context) error {
	return p.store.close(ctx)
}
