package inputs

import (
	"context"
	"fmt"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/synctask"
	"github.com/datawald/datawald/internal/synctask/api"
)

const (
	strFieldStore        = "store"
	strFieldSource       = "source"
	strFieldTarget       = "target"
	strFieldTxTypes      = "tx_types"
	strFieldBatchSize    = "batch_size"
	strFieldPollInterval = "poll_interval"
	strFieldPushName     = "push_name"
	strFieldAPI          = "api"
)

type syncTaskReplayConfig struct {
	dsn          string
	sel          synctask.ReplaySelector
	batchSize    int
	pollInterval time.Duration
	pushName     string
	api          api.Config
}

func syncTaskReplayConfigFromParsed(conf *service.ParsedConfig) (c syncTaskReplayConfig, err error) {
	if c.dsn, err = conf.FieldString(strFieldStore); err != nil {
		return
	}
	if c.sel.Source, err = conf.FieldString(strFieldSource); err != nil {
		return
	}
	if c.sel.Target, err = conf.FieldString(strFieldTarget); err != nil {
		return
	}
	if c.sel.TxTypes, err = conf.FieldStringList(strFieldTxTypes); err != nil {
		return
	}
	if c.batchSize, err = conf.FieldInt(strFieldBatchSize); err != nil {
		return
	}
	if c.batchSize < 1 || c.batchSize > 1000 {
		err = fmt.Errorf("%s must be between 1 and 1000, got %d", strFieldBatchSize, c.batchSize)
		return
	}
	if c.pollInterval, err = conf.FieldDuration(strFieldPollInterval); err != nil {
		return
	}
	if c.pollInterval <= 0 {
		err = fmt.Errorf("%s must be positive", strFieldPollInterval)
		return
	}
	if c.pushName, err = conf.FieldString(strFieldPushName); err != nil {
		return
	}
	c.api, err = api.ConfigFromParsed(conf.Namespace(strFieldAPI))
	return
}

func syncTaskReplaySpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category, "Integration").
		Summary("Re-emits the staged payloads of retried entities, and entities pushed in through the sync-task API.").
		Description(`
Use it in a `+"`broker`"+` beside the source input, so that retried and pushed entities go down the same
path as new data (through `+"`sync_task`"+`, onto the backbone, to the target).

A retry (`+"`POST /datawald/v1/tasks/{id}/retry`"+` or `+"`POST /datawald/v1/retry`"+`) resets F and ? entities to N
and queues them; this input claims each queued entity exactly once (claims are atomic, also across replicas
sharing a PostgreSQL store) and emits its staged payload with the envelope metadata, `+"`dw_task_id`"+` set
to the task being retried and `+"`dw_replay: true`"+`. Queued items whose entity was re-staged or delivered
since are skipped, so a retry never sends an entity twice. Nacked messages are re-sent by this input until
they are acknowledged. If the process stops between a claim and the acknowledgement, the entity stays N in
its reopened task, turns ? at the task's deadline and can be retried again.

When `+"`push_name`"+` is set, `+"`POST /datawald/v1/push/{push_name}`"+` hands pushed entities to this input
(DataWald's putMessages) with `+"`dw_push: true`"+` and a new task id; the API call returns once the pipeline
acknowledged them.

The input wakes immediately when a retry in the same process queues items and otherwise checks the queue
every `+"`poll_interval`"+` (for retries requested by other replicas).`).
		Fields(
			synctask.StoreField(),
			service.NewStringField(strFieldSource).Description("Only replay entities of this source endpoint; empty for all.").Default("").Example("netsuite"),
			service.NewStringField(strFieldTarget).Description("Only replay entities bound for this target endpoint; empty for all.").Default("").Example("magento"),
			service.NewStringListField(strFieldTxTypes).Description("Only replay these tx_types; empty for all.").Default([]string{}),
			service.NewIntField(strFieldBatchSize).Description("Maximum entities claimed per batch.").Default(100),
			service.NewDurationField(strFieldPollInterval).Description("How often to check the replay queue for retries queued by other processes.").Default("5s"),
			service.NewStringField(strFieldPushName).Description("Name under which the API's push endpoint delivers entities to this input; empty disables pushes.").Default("").Example("orders"),
			api.ConfigField(strFieldAPI),
		).
		Example("Source input with retries", "", `
input:
  broker:
    inputs:
      - resource: netsuite_orders # the source input, defined under input_resources
        processors:
          - resource: netsuite_order_to_canonical # the source mapping
      - sync_task_replay:
          store: sqlite:///var/lib/datawald/synctask.db
          source: netsuite
          target: magento
          push_name: netsuite-orders
pipeline:
  processors:
    - sync_task:
        store: sqlite:///var/lib/datawald/synctask.db
        source: netsuite
        target: magento
        tx_type: order
`)
}

func init() {
	service.MustRegisterBatchInput("sync_task_replay", syncTaskReplaySpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchInput, error) {
		c, err := syncTaskReplayConfigFromParsed(conf)
		if err != nil {
			return nil, err
		}
		in, err := newSyncTaskReplay(c, mgr)
		if err != nil {
			return nil, err
		}
		return service.AutoRetryNacksBatched(in), nil
	})
}

type syncTaskReplay struct {
	conf    syncTaskReplayConfig
	mgr     *service.Resources
	store   *synctask.Shared
	pushes  <-chan synctask.PushBatch
	replays *service.MetricCounter
}

// newSyncTaskReplay mounts the API at once: it answers before the store
// is first reached.
func newSyncTaskReplay(c syncTaskReplayConfig, mgr *service.Resources) (*syncTaskReplay, error) {
	if err := api.Mount(mgr, c.dsn, c.api); err != nil {
		return nil, err
	}
	return &syncTaskReplay{conf: c, mgr: mgr, replays: mgr.Metrics().NewCounter("datawald_sync_replayed_total", "tx_type")}, nil
}

// Connect acquires the store and registers the push name.
func (r *syncTaskReplay) Connect(ctx context.Context) error {
	if r.store != nil {
		return nil
	}
	store, err := synctask.Acquire(ctx, r.conf.dsn)
	if err != nil {
		return err
	}
	if r.conf.pushName != "" {
		ch, err := synctask.RegisterPushReceiver(r.conf.pushName)
		if err != nil {
			_ = store.Release(ctx)
			return err
		}
		r.pushes = ch
	}
	r.store = store
	return nil
}

// ReadBatch returns the next pushed batch or the next claimed replay items.
func (r *syncTaskReplay) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	if r.store == nil {
		return nil, nil, service.ErrNotConnected
	}
	for {
		select {
		case pb := <-r.pushes:
			return pb.Messages, func(_ context.Context, err error) error {
				pb.Done <- err
				return nil
			}, nil
		default:
		}
		ready := r.store.ReplayReady()
		items, err := r.store.ClaimReplay(ctx, r.conf.sel, r.conf.batchSize)
		if err != nil {
			return nil, nil, fmt.Errorf("claiming retried entities: %w", err)
		}
		if len(items) > 0 {
			return r.toBatch(items), func(context.Context, error) error { return nil }, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case pb := <-r.pushes:
			return pb.Messages, func(_ context.Context, err error) error {
				pb.Done <- err
				return nil
			}, nil
		case <-ready:
		case <-time.After(r.conf.pollInterval):
		}
	}
}

func (r *syncTaskReplay) toBatch(items []synctask.ReplayItem) service.MessageBatch {
	batch := make(service.MessageBatch, 0, len(items))
	for _, it := range items {
		e := it.Entity
		msg := service.NewMessage(e.Data)
		synctask.SetEnvelope(msg, synctask.Envelope{Key: e.Key, TaskID: it.TaskID, Hash: e.Hash, UpdatedAt: e.UpdatedAt})
		if !e.CreatedAt.IsZero() {
			msg.MetaSetMut(synctask.MetaCreatedAt, e.CreatedAt.Format(time.RFC3339Nano))
		}
		msg.MetaSetMut(synctask.MetaReplay, "true")
		r.replays.Incr(1, e.TxType)
		batch = append(batch, msg)
	}
	return batch
}

// Close releases the push name and the store.
func (r *syncTaskReplay) Close(ctx context.Context) error {
	if r.store == nil {
		return nil
	}
	if r.conf.pushName != "" {
		synctask.UnregisterPushReceiver(r.conf.pushName)
	}
	err := r.store.Release(ctx)
	r.store = nil
	return err
}
