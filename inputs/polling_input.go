package inputs

import (
	"context"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/datawald/datawald/internal/checkpoint"
	"github.com/datawald/datawald/internal/synctask"
)

// pollSource is what a polling input adds to pollingInput: how it reads a
// poll cycle (cycleSource), what it does at Connect, where a record leaves
// the cursor and the message a record becomes. Its methods are called by
// the goroutine that calls Connect and Read.
type pollSource[R any] interface {
	cycleSource[R]
	// connect prepares the source before the stored position is loaded
	// (e.g. logs in); its error is Connect's, and a later Connect calls
	// it again.
	connect(context.Context) error
	// position returns the cursor just past rec, and false when the source
	// keeps no position for it (rec's message is then not tracked).
	position(rec R) (checkpoint.Cursor, bool)
	// message builds rec's message; last flags the cycle's last one with
	// dw_task_last.
	message(rec R, last bool) *service.Message
}

// pollingInput is the core of a polling input, embedded by each one: it
// loads the position at Connect, reads through nextInCycle one record
// ahead (so the cycle's last message carries dw_task_last; a cycle that
// finds nothing emits nothing, so no task is created for it) and tracks
// each message's cursor, which is committed once every message before it
// has been acknowledged. Read is called by one goroutine at a time; acks
// may arrive concurrently.
type pollingInput[R any] struct {
	src     pollSource[R]
	pollCfg pollingConfig
	store   *checkpoint.Store
	// pollTimer paces the cycles with the local clock (and is the input's
	// Close).
	*pollTimer

	cp      *checkpoint.Checkpointer
	readPos checkpoint.Cursor // where the next cycle starts (in memory)
	ahead   cycleLookahead[R]
	sealer  *cycleSealer // nil without a sync-task store to seal in
	taskID  string       // the open (or last) cycle's dw_task_id
}

// newPollingInput returns the core of src, which embeds it: cycles paced
// by cfg, the position kept in store, and cycles' tasks sealed in the
// sync-task store sealStore (a DSN) once acknowledged, unless it is empty.
func newPollingInput[R any](src pollSource[R], cfg pollingConfig, store *checkpoint.Store, sealStore string, log *service.Logger) pollingInput[R] {
	p := pollingInput[R]{src: src, pollCfg: cfg, store: store, pollTimer: newPollTimer()}
	if sealStore != "" {
		p.sealer = newCycleSealer(sealStore, log)
	}
	return p
}

// Connect runs the source's connect hook and loads the stored position;
// once connected it does nothing.
func (p *pollingInput[R]) Connect(ctx context.Context) error {
	if p.cp != nil {
		return nil
	}
	if err := p.src.connect(ctx); err != nil {
		return err
	}
	cp, pos, err := p.pollCfg.openCheckpoint(ctx, p.store)
	if err != nil {
		return err
	}
	p.cp, p.readPos = cp, pos
	return nil
}

// Read returns the next record's message, starting a poll cycle when the
// previous one is finished and the next is due. Its ack lets the position
// advance past the record (and, with a sealer, seals the cycle's task once
// the cycle's last ack is in).
func (p *pollingInput[R]) Read(ctx context.Context) (*service.Message, service.AckFunc, error) {
	if p.cp == nil {
		return nil, nil, service.ErrNotConnected
	}
	rec, last, err := nextInCycle(ctx, &p.ahead, p.pollTimer, p.pollCfg, p.src)
	if err != nil {
		return nil, nil, err
	}
	msg := p.src.message(rec, last)
	var ack service.AckFunc = func(context.Context, error) error { return nil }
	if pos, ok := p.src.position(rec); ok {
		p.readPos = pos
		ack = p.cp.Track(pos)
	}
	if p.sealer != nil {
		ack = p.sealer.emitted(p.taskID, ack)
		if last {
			p.sealer.end(ctx, p.taskID)
		}
	}
	return msg, ack, nil
}

// recordMeta is the sync-task metadata of a record read by a polling
// input.
type recordMeta struct {
	source    string // dw_source: the input's endpoint id
	txType    string // dw_tx_type
	srcID     string // dw_src_id: the record's natural key
	updatedAt string // dw_updated_at: RFC 3339 UTC, to the source's precision
}

// cycleMessage returns a message of the open cycle with body and the
// sync-task metadata: rm's, dw_task_id and, on the cycle's last message,
// dw_task_last "true". The input adds its own metadata.
func (p *pollingInput[R]) cycleMessage(body []byte, rm recordMeta, last bool) *service.Message {
	msg := service.NewMessage(body)
	msg.MetaSetMut(synctask.MetaSource, rm.source)
	msg.MetaSetMut(synctask.MetaTxType, rm.txType)
	msg.MetaSetMut(synctask.MetaSrcID, rm.srcID)
	msg.MetaSetMut(synctask.MetaUpdatedAt, rm.updatedAt)
	msg.MetaSetMut(synctask.MetaTaskID, p.taskID)
	if last {
		msg.MetaSetMut(synctask.MetaTaskLast, "true")
	}
	return msg
}
