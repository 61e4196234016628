package inputs

import (
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

var benchMessageSink *service.Message

// BenchmarkKafkaMessageBuilder turns a record shaped like datawald's
// envelope (a 12-byte key, a 256-byte value, 7 dw_* headers) into a message
// with its 12 metadata entries: the input's own cost per record.
func BenchmarkKafkaMessageBuilder(b *testing.B) {
	rec := &kgo.Record{Key: []byte("order:100123"), Value: make([]byte, 256), Topic: "bench", Partition: 3, Offset: 123456, Timestamp: time.Now()}
	for _, k := range []string{"dw_source", "dw_target", "dw_tx_type", "dw_src_id", "dw_updated_at", "dw_task_id", "dw_hash"} {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: []byte("a-header-value-of-20")})
	}
	var mb messageBuilder
	b.ReportAllocs()
	for b.Loop() {
		benchMessageSink = mb.message(rec)
	}
}
