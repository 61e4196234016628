package synctask

import (
	"context"
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names of the sync_task object that outputs embed with
// ReporterField.
const (
	rfStore          = "store"
	rfMaxAttempts    = "max_attempts"
	rfInitialBackoff = "initial_backoff"
	rfMaxBackoff     = "max_backoff"
	rfDeadLetter     = "dead_letter_output"
)

// DefaultStoreDSN is the store used when a component does not name one.
const DefaultStoreDSN = "sqlite://./datawald-synctask.db"

// StoreField is the `store` field every sync-task component shares: the DSN
// of the store (components naming the same DSN share one instance).
func StoreField() *service.ConfigField {
	return service.NewStringField(rfStore).
		Description("DSN of the sync-task store: `sqlite://<path>` (embedded, the default) or `postgres://...` (pgx URL; optional `dw_schema=<name>` parameter selects a schema). Every component naming the same DSN in a process shares one store instance.").
		Default(DefaultStoreDSN).
		Example("sqlite:///var/lib/datawald/synctask.db").
		Example("postgres://datawald@db:5432/datawald?dw_schema=datawald")
}

// ReporterField is the `sync_task` object field a datawald output adds to
// its spec to record per-entity outcomes. Parse it with
// NewReporterFromParsed.
func ReporterField() *service.ConfigField {
	return service.NewObjectField("sync_task",
		StoreField(),
		service.NewIntField(rfMaxAttempts).
			Description("Attempts per entity (the first included) for transient errors (429, 5xx, network) before it is recorded F.").
			Default(5),
		service.NewDurationField(rfInitialBackoff).
			Description("Wait before the first retry of a transient error; doubles per attempt.").
			Default("500ms"),
		service.NewDurationField(rfMaxBackoff).
			Description("Upper bound of the wait between retries.").
			Default("30s"),
		service.NewStringField(rfDeadLetter).
			Description("Name of an output resource that also receives every entity recorded F, with `dw_error_code` and `dw_error` metadata. Empty: failed entities are only recorded.").
			Default("").
			Example("failed_entities"),
	).Description("Outcome recording: every entity this output handles is recorded S (with the target id), F (vendor error code and message) or I in the sync-task store.")
}

// NewReporterFromParsed builds a Reporter from the field added by
// ReporterField. Close the Reporter when the output closes.
func NewReporterFromParsed(conf *service.ParsedConfig, mgr *service.Resources) (*Reporter, error) {
	conf = conf.Namespace("sync_task")
	dsn, err := conf.FieldString(rfStore)
	if err != nil {
		return nil, err
	}
	var cfg ReporterConfig
	if cfg.MaxAttempts, err = conf.FieldInt(rfMaxAttempts); err != nil {
		return nil, err
	}
	if cfg.MaxAttempts < 1 {
		return nil, fmt.Errorf("sync_task.%s must be at least 1, got %d", rfMaxAttempts, cfg.MaxAttempts)
	}
	if cfg.InitialBackoff, err = conf.FieldDuration(rfInitialBackoff); err != nil {
		return nil, err
	}
	if cfg.MaxBackoff, err = conf.FieldDuration(rfMaxBackoff); err != nil {
		return nil, err
	}
	if cfg.DeadLetterOutput, err = conf.FieldString(rfDeadLetter); err != nil {
		return nil, err
	}
	if cfg.DeadLetterOutput != "" && !mgr.HasOutput(cfg.DeadLetterOutput) {
		return nil, fmt.Errorf("sync_task.%s: no output resource named %q", rfDeadLetter, cfg.DeadLetterOutput)
	}
	shared, err := Acquire(context.Background(), dsn)
	if err != nil {
		return nil, err
	}
	return NewReporter(shared, cfg, mgr), nil
}

// Close releases the Reporter's store reference.
func (r *Reporter) Close(ctx context.Context) error {
	return r.store.Release(ctx)
}
