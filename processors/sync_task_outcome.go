package processors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/docsgen"
	"github.com/datawald/datawald/internal/synctask"
)

const (
	stfFieldStore     = stFieldStore
	stfFieldErrorCode = "error_code"
)

// Metadata read and written by sync_task_outcome. dw_error is what the flows'
// catch blocks set and their output switch routes on; dw_error_code
// overrides the configured error code.
const (
	stfMetaError     = "dw_error"
	stfMetaErrorCode = "dw_error_code"
	// stoMetaSkip is set by a mapping that decided, by a business rule, not
	// to send an entity (e.g. a canceled order); its value is the reason.
	stoMetaSkip = "dw_skip"
)

// Reasons an errored message could not be recorded F
// (datawald_sync_fail_unrecorded_total{reason}).
const (
	stfReasonMissingEnvelope = "missing_envelope"
	stfReasonNotStaged       = "not_staged"
	stfReasonStoreError      = "store_error"
)

// stfMaxNoteLen bounds a recorded note in bytes: a note is a readable
// message, never a dump.
const stfMaxNoteLen = 1000

type syncTaskOutcomeConfig struct {
	dsn       string
	errorCode string
}

func syncTaskOutcomeConfigFromParsed(conf *service.ParsedConfig) (c syncTaskOutcomeConfig, err error) {
	if c.dsn, err = conf.FieldString(stfFieldStore); err != nil {
		return
	}
	if c.errorCode, err = conf.FieldString(stfFieldErrorCode); err != nil {
		return
	}
	if c.errorCode = strings.TrimSpace(c.errorCode); c.errorCode == "" {
		err = fmt.Errorf("%s must not be empty", stfFieldErrorCode)
	}
	return
}

func syncTaskOutcomeSpec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories(docsgen.Category).
		Summary("Records the outcome of entities that end on the target side before the output: F for a failed canonical→vendor mapping, I for an entity a mapping skipped by a business rule (dw_skip). The message passes on unchanged.").
		Description(`
Place it in a target half after the `+"`catch`"+` that sets `+"`dw_error`"+` on a failed mapping and before
the output `+"`switch`"+` that sends those messages to the dead letter. The source half staged the entity
N; without an outcome it would sit N until the task deadline turned it ?, and its task would stay
Processing meanwhile. A target-side mapping failure is a permanent failure of that entity, so it is
recorded F exactly as a vendor's permanent error is, and its task rolls up (to Fail once nothing pends).

A message is errored when it carries the Benthos error flag (no `+"`catch`"+` cleared it) or a non-empty
`+"`dw_error`"+` metadata value. For each errored message it:

- reads the entity key from the envelope metadata `+"`dw_source`, `dw_target`, `dw_tx_type`, `dw_src_id`"+`,
  the task from `+"`dw_task_id`"+` and the staged version from `+"`dw_hash`"+` (a message for a version that
  was re-staged meanwhile changes nothing but its task's view);
- records outcome F with error code `+"`dw_error_code`"+` when that metadata is set, else
  `+"`error_code`"+`, and as note the error text (`+"`dw_error`"+`, else the error flag's message) on one
  line: lines are trimmed and joined with "; " (or " " after a trailing colon), anything from a Go
  stack dump on is cut, and the note is capped at 1000 bytes;
- sets `+"`dw_error`"+` (to the note) and `+"`dw_error_code`"+` when they are absent, so an error-flag-only
  message is routed and dead-lettered like a caught one; the body and the error flag are left alone.

A message without an error whose `+"`dw_skip`"+` metadata is set (a mapping decided, by a business
rule, not to send it: e.g. canonical_to_order.blobl for canceled and closed orders) is recorded I with
the reason as note, DataWald's "ignored: skipped by a business rule"; the flow then drops it.

All outcomes of a batch are written in one store transaction. Messages without an error or a skip
pass through untouched and cost no store call.

Nothing is dropped. An errored message that cannot be recorded still goes on (with `+"`dw_error`"+` set)
and is counted: without a complete key (`+"`missing_envelope`"+`), or for an entity this store never
staged (`+"`not_staged`"+`, logged as a warning). When the store is unreachable, the messages whose
outcome could not be written are marked errored with the store error (`+"`store_error`"+`) and never
passed as recorded. After the `+"`catch`"+` above, `+"`errored()`"+` at the output is true only for those, so
a first switch case `+"`check: errored()`"+` with a `+"`reject`"+` output has them nacked and read again
instead of acknowledged by the dead letter.

### Metrics

- `+"`datawald_sync_outcomes_total{tx_type,status}`"+`: outcomes recorded (F or I), shared with the outputs' reporters.
- `+"`datawald_sync_fail_unrecorded_total{reason}`"+`: errored messages passed on without an outcome (missing_envelope, not_staged, store_error).
- `+"`datawald_sync_store_latency_ns{op}`"+`: store call latency (op record_outcomes).`).
		Fields(
			synctask.StoreField(),
			service.NewStringField(stfFieldErrorCode).
				Description("Error code recorded with F when the message has no `dw_error_code` metadata.").
				Default("MAPPING_ERROR").
				Example("TARGET_MAPPING"),
		).
		LintRule(`root = if this.error_code.or("MAPPING_ERROR").trim() == "" { [ "error_code must not be empty" ] }`).
		Example("Record target-side mapping failures of a Kafka target half", `
The mapping's failure is caught into `+"`dw_error`"+`, recorded F, then dead-lettered by the output switch.`, stfExample)
}

// stfExample is the spec's config example: a target half with the mapping,
// the catch that sets dw_error, sync_task_outcome and the output switch.
const stfExample = `
pipeline:
  processors:
    - label: canonical_to_netsuite
      mapping: 'from "bloblang/mappings/netsuite/canonical_to_customer.blobl"'
    - label: quarantine_target_mapping_failure
      catch:
        - mutation: 'meta dw_error = "mapping %s %s: %s".format(@dw_tx_type.or("entity"), @dw_src_id.or("(no id)"), error())'
    - label: record_target_mapping_failure
      sync_task_outcome:
        store: ${DATAWALD_STORE:sqlite:///var/lib/datawald/synctask.db}
        error_code: MAPPING_ERROR

output:
  switch:
    cases:
      - check: '@dw_error != null'
        output:
          resource: dead_letter
      - output:
          resource: netsuite_customers # the target output; its sync_task reporter records S or F
`

func init() {
	service.MustRegisterBatchProcessor("sync_task_outcome", syncTaskOutcomeSpec(), func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchProcessor, error) {
		c, err := syncTaskOutcomeConfigFromParsed(conf)
		if err != nil {
			return nil, err
		}
		return newSyncTaskFail(c, mgr), nil
	})
}

// syncTaskOutcome records errored messages' entities F. ProcessBatch may run
// concurrently (pipeline threads); the store handle is safe for that.
type syncTaskOutcome struct {
	conf       syncTaskOutcomeConfig
	log        *service.Logger
	outcomes   *service.MetricCounter
	unrecorded *service.MetricCounter
	latency    *service.MetricTimer
	store      *syncTaskStore
}

func newSyncTaskFail(c syncTaskOutcomeConfig, mgr *service.Resources) *syncTaskOutcome {
	m := mgr.Metrics()
	return &syncTaskOutcome{
		conf:       c,
		log:        mgr.Logger(),
		outcomes:   m.NewCounter("datawald_sync_outcomes_total", "tx_type", "status"),
		unrecorded: m.NewCounter("datawald_sync_fail_unrecorded_total", "reason"),
		latency:    m.NewTimer("datawald_sync_store_latency_ns", "op"),
		store:      newSyncTaskStore(c.dsn, mgr.Logger()),
	}
}

// failure is one errored message whose entity can be recorded.
type failure struct {
	msg     *service.Message
	outcome synctask.Outcome
}

// ProcessBatch records every errored message of the batch F in one store
// transaction and returns the batch whole, in order. It never returns an
// error: a message whose outcome could not be written is marked errored.
func (p *syncTaskOutcome) ProcessBatch(ctx context.Context, batch service.MessageBatch) ([]service.MessageBatch, error) {
	var fails []failure
	for _, msg := range batch {
		note, failed := failureNote(msg)
		if !failed {
			if skip, _ := msg.MetaGet(stoMetaSkip); strings.TrimSpace(skip) != "" {
				if f, ok := p.skipped(msg, noteLine(skip)); ok {
					fails = append(fails, f)
				}
			}
			continue
		}
		code := p.conf.errorCode
		if v, _ := msg.MetaGet(stfMetaErrorCode); strings.TrimSpace(v) != "" {
			code = strings.TrimSpace(v)
		}
		if v, _ := msg.MetaGet(stfMetaError); strings.TrimSpace(v) == "" {
			msg.MetaSetMut(stfMetaError, note)
		}
		if v, _ := msg.MetaGet(stfMetaErrorCode); strings.TrimSpace(v) == "" {
			msg.MetaSetMut(stfMetaErrorCode, code)
		}
		// Only the key is needed: a missing dw_task_id counts the outcome
		// for the entity's current task, a bad dw_updated_at is irrelevant.
		env, _ := synctask.EnvelopeFromMessage(msg)
		if err := env.Key.Validate(); err != nil {
			p.unrecorded.Incr(1, stfReasonMissingEnvelope)
			continue
		}
		fails = append(fails, failure{msg: msg, outcome: synctask.Outcome{
			Key: env.Key, TaskID: env.TaskID, Hash: env.Hash,
			Status: synctask.StatusFailed, ErrorCode: code, Note: note,
		}})
	}
	if len(fails) > 0 {
		p.record(ctx, fails)
	}
	return []service.MessageBatch{batch}, nil
}

// skipped is the I outcome of a message a mapping marked dw_skip (a
// business rule decided not to send it). A message without a key cannot be
// recorded and is counted.
func (p *syncTaskOutcome) skipped(msg *service.Message, note string) (failure, bool) {
	env, _ := synctask.EnvelopeFromMessage(msg)
	if err := env.Key.Validate(); err != nil {
		p.unrecorded.Incr(1, stfReasonMissingEnvelope)
		return failure{}, false
	}
	return failure{msg: msg, outcome: synctask.Outcome{
		Key: env.Key, TaskID: env.TaskID, Hash: env.Hash, Status: synctask.StatusIgnored, Note: note,
	}}, true
}

// record writes the outcomes in one transaction. An entity the store never
// staged aborts the transaction, so it is set aside and the rest written
// again; any other error marks every remaining message errored.
func (p *syncTaskOutcome) record(ctx context.Context, fails []failure) {
	for len(fails) > 0 {
		err := p.recordOnce(ctx, fails)
		if err == nil {
			for _, f := range fails {
				p.outcomes.Incr(1, f.outcome.TxType, string(f.outcome.Status))
			}
			return
		}
		var unknown *synctask.UnknownEntityError
		if errors.As(err, &unknown) {
			kept := fails[:0]
			for _, f := range fails {
				if f.outcome.Key == unknown.Key {
					p.unrecorded.Incr(1, stfReasonNotStaged)
					p.log.Warnf("sync_task_outcome: entity %s failed (%s) but is not staged in this store; its F is not recorded", f.outcome.Key, f.outcome.Note)
					continue
				}
				kept = append(kept, f)
			}
			if len(kept) < len(fails) {
				fails = kept
				continue
			}
		}
		for _, f := range fails {
			p.unrecorded.Incr(1, stfReasonStoreError)
			f.msg.SetError(fmt.Errorf("sync_task_outcome: recording %s for %s: %w", f.outcome.Status, f.outcome.Key, err))
		}
		p.log.Errorf("sync_task_outcome: recording %d failed entities: %v", len(fails), err)
		return
	}
}

func (p *syncTaskOutcome) recordOnce(ctx context.Context, fails []failure) error {
	store, err := p.store.open(ctx)
	if err != nil {
		return err
	}
	outcomes := make([]synctask.Outcome, len(fails))
	for i, f := range fails {
		outcomes[i] = f.outcome
	}
	start := time.Now()
	err = store.RecordOutcomes(ctx, outcomes)
	p.latency.Timing(time.Since(start).Nanoseconds(), "record_outcomes")
	return err
}

// failureNote returns the one-line note of an errored message: dw_error
// when set, else the error flag's message. failed is false for a message
// carrying neither.
func failureNote(msg *service.Message) (note string, failed bool) {
	text, _ := msg.MetaGet(stfMetaError)
	if strings.TrimSpace(text) == "" {
		err := msg.GetError()
		if err == nil {
			return "", false
		}
		text = err.Error()
	}
	if note = noteLine(text); note == "" {
		note = "target-side processing failed without an error message"
	}
	return note, true
}

// noteLine turns an error text into one readable line: each line trimmed,
// empty lines dropped, the rest joined with "; " (with " " after a line
// ending in ":", which introduces the next). A Go stack dump (from a
// "goroutine N [" line on) is cut, and the result is capped at stfMaxNoteLen
// bytes without splitting a UTF-8 sequence.
func noteLine(text string) string {
	var b strings.Builder
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "goroutine ") && strings.Contains(line, " [") {
			break
		}
		switch {
		case line == "":
			continue
		case b.Len() == 0:
		case strings.HasSuffix(b.String(), ":"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(line)
	}
	note := b.String()
	if len(note) <= stfMaxNoteLen {
		return note
	}
	cut := stfMaxNoteLen
	for cut > 0 && !utf8.RuneStart(note[cut]) {
		cut--
	}
	return note[:cut] + "…"
}

// Close releases the store.
func (p *syncTaskOutcome) Close(ctx context.Context) error {
	return p.store.close(ctx)
}
