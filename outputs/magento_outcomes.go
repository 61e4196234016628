package outputs

import (
	"context"
	"errors"
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/synctask"
)

// outcome is what happened to one message of a batch write (products,
// source items): S, F or I to record, or a transient error (Nack) when
// Status is empty, which redelivers the message and records nothing.
// Per-message kinds go through synctask.Reporter.Deliver instead.
type outcome struct {
	Status synctask.Status
	TgtID  string
	Code   string
	Note   string
	Nack   error
	// delivered marks an outcome the reporter has recorded already.
	delivered bool
}

const noteUnchanged = "unchanged in Magento"

func sent(tgtID string) outcome { return outcome{Status: synctask.StatusSent, TgtID: tgtID} }
func ignored(tgtID string) outcome {
	return outcome{Status: synctask.StatusIgnored, TgtID: tgtID, Note: noteUnchanged}
}

// invalid is an F for a message the connector cannot use (bad JSON, a
// missing key): no request was sent.
func invalid(format string, args ...any) outcome {
	return outcome{Status: synctask.StatusFailed, Code: codeInvalid, Note: fmt.Sprintf(format, args...)}
}

const codeInvalid = "INVALID_MESSAGE"

// failure turns an error into F (Magento refused the entity) or a nack
// (transient after the HTTP retries, or the context ended).
func failure(err error) outcome {
	if retryableOutcome(err) {
		return outcome{Nack: err}
	}
	c := synctask.DefaultClassify(err)
	return outcome{Status: synctask.StatusFailed, Code: c.Code, Note: c.Message}
}

// retryableOutcome reports errors that must not become F: transient ones
// and the end of the context.
func retryableOutcome(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || magento.IsRetryable(err)
}

// redeliver is the error that redelivers o's message: its Nack, or
// errNoOutcome when nothing was decided for it; nil once it has a status.
func (o outcome) redeliver() error {
	if o.Status == "" && o.Nack == nil {
		return errNoOutcome
	}
	return o.Nack
}

// asResult adapts an outcome to a Reporter attempt's return values.
func (o outcome) asResult() (synctask.Result, error) {
	switch {
	case o.Nack != nil:
		return synctask.Result{}, o.Nack
	case o.Status == synctask.StatusFailed:
		return synctask.Result{}, synctask.Permanent(o.Code, o.Note)
	}
	return synctask.Result{Status: o.Status, TgtID: o.TgtID, Note: o.Note}, nil
}

// settle records the decided outcomes of a batch write in one store
// transaction and nacks the undecided ones, so only they are redelivered.
func (o *magentoOutput) settle(ctx context.Context, batch service.MessageBatch, outs []outcome) error {
	var recs []synctask.Outcome
	nacks := newBatchNacks(batch, fmt.Sprintf("writing magento %s", o.cfg.entity))
	for i, out := range outs {
		if err := out.redeliver(); err != nil {
			nacks.nack(i, err)
			continue
		}
		if out.delivered {
			continue
		}
		env, err := synctask.EnvelopeFromMessage(batch[i])
		if err != nil {
			if out.Status == synctask.StatusFailed {
				// Nowhere to record the failure: redeliver, as Deliver does.
				nacks.nack(i, fmt.Errorf("%s: %s (and %w)", out.Code, out.Note, err))
			}
			continue
		}
		if out.Status == synctask.StatusFailed {
			o.log.Warnf("magento %s %s failed: %s: %s", o.cfg.entity, env.SrcID, out.Code, out.Note)
		}
		recs = append(recs, synctask.Outcome{
			Key: env.Key, TaskID: env.TaskID, Hash: env.Hash,
			Status: out.Status, TgtID: out.TgtID, ErrorCode: out.Code, Note: out.Note,
		})
	}
	if err := o.record(ctx, recs); err != nil {
		// Writes are idempotent: redelivering the batch records again.
		return fmt.Errorf("recording magento %s outcomes: %w", o.cfg.entity, err)
	}
	return nacks.err()
}

// record writes outcomes in one transaction; when one of them is not
// staged in the store (delivered from elsewhere), the others are recorded
// one by one and the unknown ones logged, as Reporter.Deliver does.
func (o *magentoOutput) record(ctx context.Context, recs []synctask.Outcome) error {
	if len(recs) == 0 {
		return nil
	}
	err := o.rep.Record(ctx, recs...)
	if !errors.Is(err, synctask.ErrNotFound) {
		return err
	}
	for _, r := range recs {
		err := o.rep.Record(ctx, r)
		if errors.Is(err, synctask.ErrNotFound) {
			o.log.Warnf("magento %s: entity %s was delivered but is not staged in the sync-task store; its outcome %s is not recorded", o.cfg.entity, r.Key, r.Status)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var errNoOutcome = errors.New("no outcome computed")
