// Package synctask is datawald's interface engine: per-entity staging with
// content dedupe, sync tasks rolled up from counters, retries and task
// events, behind a Store with an SQLite and a PostgreSQL backend.
//
// # Model
//
// An entity is identified by a Key of four separate fields (Source, Target,
// TxType, SrcID). The fields are stored as separate columns and are never
// joined with a separator, so any characters (including "_" and "-") are
// allowed in endpoint ids, tx_types and source ids.
//
// Entity statuses (tx_status) keep DataWald's codes:
//
//	N  pending delivery to the target
//	S  delivered (with the target's id, TgtID)
//	F  failed, with a vendor error code and a readable note (never a stack trace)
//	I  ignored: unchanged since it was last sent, or skipped by a business rule
//	?  no outcome seen before the task's deadline
//
// A task (one poll cycle of a source, or one pushed batch) is Processing
// while any of its entities is N, then Completed, Fail or Incompleted by
// the roll-up rule: any ? → Incompleted, else any F → Fail, else Completed.
// The roll-up is computed from per-status counters updated in the same
// transaction as each outcome, never by polling. A task that gets new or
// retried entities goes back to Processing and finishes again.
//
// # Staging
//
// Store.Stage hashes the canonical JSON of each payload (see ContentHash:
// object key order and number formatting do not change the hash) and
// applies DataWald's dedupe: new or changed data → N with the previous data
// kept as OldData; unchanged after S or I → I; unchanged after F, N or ? → N.
// CreatedAt is kept from the first sighting.
//
// # Sharing a store
//
// Every datawald component that touches sync tasks (the sync_task
// processor, the sync_task_replay and sync_task_events inputs, the outcome
// Reporter used by outputs, and the HTTP API) names its store by a DSN:
//
//	sqlite:///var/lib/datawald/synctask.db   (embedded default)
//	postgres://user@host:5432/db?dw_schema=datawald
//
// Acquire returns a process-wide Shared handle keyed by the DSN string, so
// all components of a process (and all streams of streams mode) that use the
// same DSN share one Store instance, one deadline timer and one set of
// metrics. Release it when done; the store closes with the last user.
//
// # Recording outcomes (for connector authors)
//
// Outputs record what happened to each entity through a Reporter:
//
//	rep := synctask.NewReporter(shared, synctask.ReporterConfig{MaxAttempts: 5})
//	err := rep.Deliver(ctx, msg, func(ctx context.Context) (synctask.Result, error) {
//		id, err := client.Upsert(ctx, payload)
//		if err != nil {
//			return synctask.Result{}, err // classified with synctask.Permanent/Ignored or a Classifier
//		}
//		return synctask.Sent(id), nil
//	})
//
// Deliver retries transient errors with backoff and records nothing until
// the retry budget is spent; a permanent error (or a spent budget) is
// recorded as F with the vendor's code and message and Deliver returns nil
// so the message is acked and never blocks the stream (or, with a dead
// letter configured, the caller routes it there). See Reporter for details.
package synctask
