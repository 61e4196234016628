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
// One Stage call is one transaction of a fixed number of statements per
// 100 entities on SQLite (1,000 on PostgreSQL), whatever the batch holds:
// the task upsert, one lookup of the batch's keys, one multi-row insert of
// first sightings, one multi-row upsert of known keys, and one update per
// task whose counters changed. Payloads are stored as given (never
// re-encoded); only their hash is computed from the canonical form.
//
// # Durability (SQLite)
//
// The SQLite store runs in WAL mode with synchronous=NORMAL: a commit is
// appended to the write-ahead log and the log is synced to disk at each
// checkpoint rather than at each commit. Every committed transaction
// survives a crash of the process (kill -9, panic, OOM kill): the log is in
// the operating system's cache and is replayed on the next open. A crash of
// the operating system or a power cut can roll back the transactions
// committed since the last checkpoint (SQLite checkpoints every 1,000 pages
// of log by default) but never corrupts the database; a source whose cursor
// is kept outside the store may then have moved past entities whose staging
// was lost. Where that matters, use the PostgreSQL store.
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
// A datawald output records what happened to each entity through a
// Reporter. Add the `sync_task` object to the output's spec and build the
// Reporter from it:
//
//	spec := service.NewConfigSpec().Fields(..., synctask.ReporterField())
//
//	rep, err := synctask.NewReporterFromParsed(conf, mgr) // in the constructor
//	defer rep.Close(ctx)                                   // in Close
//
// then, for each message (one entity), wrap the vendor call in Deliver:
//
//	func (o *output) Write(ctx context.Context, msg *service.Message) error {
//		_, err := o.rep.Deliver(ctx, msg, func(ctx context.Context) (synctask.Result, error) {
//			id, err := o.client.Upsert(ctx, payload)
//			if err != nil {
//				return synctask.Result{}, err
//			}
//			return synctask.Sent(id), nil // or synctask.Ignored("offline order")
//		})
//		return err // nil once the outcome is recorded, F included
//	}
//
// Deliver classifies errors with DefaultClassify (or ReporterConfig.Classify):
// a *synctask.PermanentError (see Permanent) or a non-retryable
// *httpx.HTTPError is recorded F at once with the vendor's code and message;
// anything else (429, 5xx, network) is retried with exponential backoff and
// recorded F only when sync_task.max_attempts is spent. Notes are one line,
// never a stack trace. An F entity is acked, so it never blocks the stream,
// and is also written to sync_task.dead_letter_output when one is set.
// Deliver returns an error (nack) only when the store cannot record the
// outcome or ctx ends. Batch outputs that run their own retries can call
// Reporter.Record with Outcome values read from EnvelopeFromMessage.
package synctask
