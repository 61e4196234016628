package synctask

import (
	"fmt"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Envelope metadata carried by every entity message (Kafka headers, SQS
// message attributes).
const (
	MetaSource    = "dw_source"
	MetaTarget    = "dw_target"
	MetaTxType    = "dw_tx_type"
	MetaSrcID     = "dw_src_id"
	MetaUpdatedAt = "dw_updated_at"
	MetaCreatedAt = "dw_created_at"
	MetaTaskID    = "dw_task_id"
	// MetaTaskLast is "true" on the last message of an input's poll cycle:
	// the task is sealed once it is staged (see TaskSpec.Seal).
	MetaTaskLast = "dw_task_last"
	MetaHash     = "dw_hash"
	// MetaReplay is "true" on messages re-emitted by a retry and
	// MetaPush is "true" on messages pushed in through the API.
	MetaReplay = "dw_replay"
	MetaPush   = "dw_push"
)

// Envelope is the sync-task identity of one entity message.
type Envelope struct {
	Key
	TaskID    string
	Hash      string
	UpdatedAt time.Time
}

// SetEnvelope writes the envelope metadata on msg.
func SetEnvelope(msg *service.Message, env Envelope) {
	msg.MetaSetMut(MetaSource, env.Source)
	msg.MetaSetMut(MetaTarget, env.Target)
	msg.MetaSetMut(MetaTxType, env.TxType)
	msg.MetaSetMut(MetaSrcID, env.SrcID)
	msg.MetaSetMut(MetaTaskID, env.TaskID)
	msg.MetaSetMut(MetaHash, env.Hash)
	if !env.UpdatedAt.IsZero() {
		msg.MetaSetMut(MetaUpdatedAt, env.UpdatedAt.UTC().Format(time.RFC3339Nano))
	}
}

// MissingMetadataError names the envelope metadata a message lacks.
type MissingMetadataError struct{ Names []string }

func (e *MissingMetadataError) Error() string {
	return fmt.Sprintf("message lacks sync-task metadata %v", e.Names)
}

// EnvelopeFromMessage reads the envelope metadata written by the sync_task
// processor. Every key field and dw_task_id are required; dw_hash and
// dw_updated_at are optional.
func EnvelopeFromMessage(msg *service.Message) (Envelope, error) {
	var env Envelope
	var missing []string
	get := func(name string, dst *string, required bool) {
		v, _ := msg.MetaGet(name)
		if v == "" && required {
			missing = append(missing, name)
		}
		*dst = v
	}
	get(MetaSource, &env.Source, true)
	get(MetaTarget, &env.Target, true)
	get(MetaTxType, &env.TxType, true)
	get(MetaSrcID, &env.SrcID, true)
	get(MetaTaskID, &env.TaskID, true)
	get(MetaHash, &env.Hash, false)
	if len(missing) > 0 {
		return env, &MissingMetadataError{Names: missing}
	}
	if v, ok := msg.MetaGet(MetaUpdatedAt); ok && v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return env, fmt.Errorf("parsing %s %q: %w", MetaUpdatedAt, v, err)
		}
		env.UpdatedAt = t
	}
	return env, nil
}
