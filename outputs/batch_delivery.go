package outputs

import (
	"context"
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/synctask"
)

// batchNacks collects the messages of a batch write that are to be
// redelivered into one *service.BatchError, so only they are redelivered.
type batchNacks struct {
	batch service.MessageBatch
	what  string // what the batch did, e.g. "writing magento orders"
	berr  *service.BatchError
}

func newBatchNacks(batch service.MessageBatch, what string) *batchNacks {
	return &batchNacks{batch: batch, what: what}
}

// nack marks message i for redelivery because of err. The batch error's
// own message is the first nack's err, prefixed with what.
func (n *batchNacks) nack(i int, err error) {
	if n.berr == nil {
		n.berr = service.NewBatchError(n.batch, fmt.Errorf("%s: %w", n.what, err))
	}
	n.berr = n.berr.Failed(i, err)
}

// err is WriteBatch's result: the *service.BatchError of the nacked
// messages, or nil when none was nacked.
func (n *batchNacks) err() error {
	if n.berr == nil {
		return nil
	}
	return n.berr
}

// deliverEach delivers the messages of batch one by one through rep, which
// retries transient errors and records S, F or I. write is one
// check-then-write attempt; retried tells it that an earlier attempt's
// effect is unknown, so that finding the work done means S rather than I.
// done gets each message's index with its recorded outcome, or with the
// error that leaves it to be redelivered (nothing was recorded).
//
// Once a message is left to be redelivered, later messages of the batch for
// the same entity are too, without a write: writing a newer version now
// would let the redelivered older one overwrite it.
func deliverEach(ctx context.Context, rep *synctask.Reporter, batch service.MessageBatch,
	write func(ctx context.Context, msg *service.Message, retried bool) (synctask.Result, error),
	done func(i int, out synctask.Outcome, err error),
) {
	var held map[synctask.Key]bool
	for i, msg := range batch {
		env, envErr := synctask.EnvelopeFromMessage(msg)
		if envErr == nil && held[env.Key] {
			done(i, synctask.Outcome{}, fmt.Errorf("%s: an earlier version in this batch is to be redelivered, so this one waits for it", env.Key))
			continue
		}
		attempts := 0
		out, err := rep.Deliver(ctx, msg, func(ctx context.Context) (synctask.Result, error) {
			attempts++
			return write(ctx, msg, attempts > 1)
		})
		if err != nil && envErr == nil {
			if held == nil {
				held = map[synctask.Key]bool{}
			}
			held[env.Key] = true
		}
		done(i, out, err)
	}
}
