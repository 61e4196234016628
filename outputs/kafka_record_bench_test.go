package outputs

import (
	"strconv"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/require"
)

// BenchmarkKafkaRecordBuilder turns batches of 1000 messages shaped like
// datawald's envelope (a 256-byte body, 7 dw_* metadata entries) into
// records with the key `${! meta("dw_tx_type") }:${! meta("dw_src_id") }`
// and the dw_ metadata as headers: the output's own cost per message. Each
// op is one message.
func BenchmarkKafkaRecordBuilder(b *testing.B) {
	parsed, err := kafkaOutputSpec().ParseYAML(`
seed_brokers: [ "localhost:9092" ]
topic: bench
key: ${! meta("dw_tx_type") }:${! meta("dw_src_id") }
metadata:
  include_prefixes: [ "dw_" ]
`, nil)
	require.NoError(b, err)
	conf, err := kafkaOutputConfigFromParsed(parsed)
	require.NoError(b, err)
	w := newKafkaWriter(conf)

	batch := make(service.MessageBatch, 1000)
	for i := range batch {
		m := service.NewMessage(make([]byte, 256))
		m.MetaSetMut("dw_source", "netsuite")
		m.MetaSetMut("dw_target", "magento")
		m.MetaSetMut("dw_tx_type", "order")
		m.MetaSetMut("dw_src_id", strconv.Itoa(100000+i))
		m.MetaSetMut("dw_updated_at", "2026-11-01T00:00:00Z")
		m.MetaSetMut("dw_task_id", "00000001-0000-4000-8000-000000000001")
		m.MetaSetMut("dw_hash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
		batch[i] = m
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i += len(batch) {
		rb := w.newRecordBuilder(batch)
		for j := range min(len(batch), b.N-i) {
			if err := rb.build(j); err != nil {
				b.Fatal(err)
			}
		}
	}
}
