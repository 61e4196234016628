package outputs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/synctask"
)

// outcome is what happened to one message: S, F or I to record, or a
// transient error (nack) when Status is empty.
type outcome struct {
	Status synctask.Status
	TgtID  string
	Code   string
	Note   string
	// Nack is set for a transient failure: the message is redelivered and
	// nothing is recorded.
	Nack error
}

func sent(tgtID string) outcome    { return outcome{Status: synctask.StatusSent, TgtID: tgtID} }
func ignored(tgtID string) outcome { return outcome{Status: synctask.StatusIgnored, TgtID: tgtID} }

// invalid is an F for a message the connector cannot use (bad JSON, a
// missing key): no request was sent.
func invalid(format string, args ...any) outcome {
	return outcome{Status: synctask.StatusFailed, Code: "INVALID_MESSAGE", Note: fmt.Sprintf(format, args...)}
}

// failure turns an error into F (permanent: Magento refused the entity) or
// a nack (transient, cancelled, or the store refused our credentials, which
// is not the entity's fault).
func failure(err error) outcome {
	if retryableOutcome(err) {
		return outcome{Nack: err}
	}
	return outcome{Status: synctask.StatusFailed, Code: magento.Code(err), Note: magento.Message(err)}
}

func retryableOutcome(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || magento.IsRetryable(err) {
		return true
	}
	s := magento.Status(err)
	return s == http.StatusUnauthorized || s == http.StatusForbidden
}

// settle records the decided outcomes and nacks the rest.
func (o *magentoOutput) settle(ctx context.Context, batch service.MessageBatch, outs []outcome) error {
	var (
		record []int
		berr   *service.BatchError
	)
	for i, out := range outs {
		if out.Status == "" && out.Nack == nil {
			out.Nack = errNoOutcome
			outs[i] = out
		}
		if out.Nack != nil {
			if berr == nil {
				berr = service.NewBatchError(batch, fmt.Errorf("writing magento %s: %w", o.cfg.entity, out.Nack))
			}
			berr = berr.Failed(i, out.Nack)
			continue
		}
		if out.Status == synctask.StatusFailed {
			o.log.Warnf("magento %s: message %d failed: %s: %s", o.cfg.entity, i, out.Code, out.Note)
		}
		record = append(record, i)
	}
	if err := o.sink.Record(ctx, batch, outs, record); err != nil {
		// Writes are idempotent: redelivering the batch records again.
		return fmt.Errorf("recording magento %s outcomes: %w", o.cfg.entity, err)
	}
	if berr != nil {
		return berr
	}
	return nil
}

// outcomeSink records outcomes. Implementations are safe for concurrent use.
type outcomeSink interface {
	Connect(ctx context.Context) error
	// Record records outs[i] for each i of which, keyed by msgs[i]'s
	// metadata.
	Record(ctx context.Context, msgs service.MessageBatch, outs []outcome, which []int) error
	Close(ctx context.Context) error
}

func newOutcomeSink(dsn, target string, log *service.Logger) outcomeSink {
	if dsn == "" {
		return logSink{log: log}
	}
	return &syncTaskSink{dsn: dsn, target: target, log: log}
}

// logSink logs outcomes at debug level (no sync-task store configured).
type logSink struct{ log *service.Logger }

func (logSink) Connect(context.Context) error { return nil }
func (logSink) Close(context.Context) error   { return nil }
func (s logSink) Record(_ context.Context, msgs service.MessageBatch, outs []outcome, which []int) error {
	for _, i := range which {
		id, _ := msgs[i].MetaGet("dw_src_id")
		s.log.Debugf("magento outcome %s %s tgt_id=%s %s", id, outs[i].Status, outs[i].TgtID, outs[i].Note)
	}
	return nil
}

// syncTaskSink records outcomes in a sync-task store shared by DSN.
type syncTaskSink struct {
	dsn, target string
	log         *service.Logger

	mu     sync.Mutex
	shared *synctask.Shared
}

func (s *syncTaskSink) Connect(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shared != nil {
		return nil
	}
	sh, err := synctask.Acquire(ctx, s.dsn)
	if err != nil {
		return fmt.Errorf("opening sync-task store: %w", err)
	}
	s.shared = sh
	return nil
}

func (s *syncTaskSink) Record(ctx context.Context, msgs service.MessageBatch, outs []outcome, which []int) error {
	s.mu.Lock()
	sh := s.shared
	s.mu.Unlock()
	if sh == nil {
		return service.ErrNotConnected
	}
	recs := make([]synctask.Outcome, 0, len(which))
	for _, i := range which {
		m := msgs[i]
		key := synctask.Key{Source: meta(m, "dw_source"), Target: s.target, TxType: meta(m, "dw_tx_type"), SrcID: meta(m, "dw_src_id")}
		if err := key.Validate(); err != nil {
			s.log.Warnf("magento outcome %s of message %d not recorded: metadata %v", outs[i].Status, i, err)
			continue
		}
		recs = append(recs, synctask.Outcome{
			Key: key, TaskID: meta(m, "dw_task_id"), Hash: meta(m, "dw_hash"),
			Status: outs[i].Status, TgtID: outs[i].TgtID, ErrorCode: outs[i].Code, Note: outs[i].Note,
		})
	}
	if len(recs) == 0 {
		return nil
	}
	return sh.RecordOutcomes(ctx, recs)
}

func (s *syncTaskSink) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shared == nil {
		return nil
	}
	err := s.shared.Release(ctx)
	s.shared = nil
	return err
}

func meta(m *service.Message, key string) string {
	v, _ := m.MetaGet(key)
	return v
}
