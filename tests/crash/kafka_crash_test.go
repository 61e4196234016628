package crash

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	crashTopic      = "crash"
	crashGroup      = "crash-group"
	crashPartitions = 3
	crashRecords    = 900
)

func kafkaCrashConfig(broker, logPath string) string {
	return fmt.Sprintf(`
input:
  kafka:
    seed_brokers: [ %q ]
    topics: [ %s ]
    consumer_group: %s
    commit_period: 100ms
    checkpoint_limit: 16
    session_timeout: 6s
pipeline:
  threads: 2
  processors:
    - sleep:
        duration: 3ms
    - mapping: 'root = meta("kafka_partition") + "/" + meta("kafka_offset")'
output:
  file:
    path: %s
    codec: lines
logger:
  level: warn
http:
  enabled: false
`, broker, crashTopic, crashGroup, logPath)
}

// processedSet reads the output file: one "partition/offset" per processed
// record (with duplicates after a crash).
func processedSet(t *testing.T, path string) (set map[string]int, lines int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[string]int{}, 0
	}
	require.NoError(t, err)
	set = map[string]int{}
	for _, l := range strings.Split(string(raw), "\n") {
		if l == "" {
			continue
		}
		set[l]++
		lines++
	}
	return set, lines
}

func committed(t *testing.T, broker string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).FetchOffsets(ctx, crashGroup)
	require.NoError(t, err)
	out := map[int32]int64{}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Topic == crashTopic && o.Err == nil && o.At >= 0 {
			out[o.Partition] = o.At
		}
	})
	return out
}

// assertNoCommitPastUnprocessed checks that, for every partition, each
// offset below the committed one was processed.
func assertNoCommitPastUnprocessed(t *testing.T, broker, logPath, when string) map[int32]int64 {
	t.Helper()
	set, _ := processedSet(t, logPath)
	offs := committed(t, broker)
	for p, c := range offs {
		for o := int64(0); o < c; o++ {
			require.Contains(t, set, fmt.Sprintf("%d/%d", p, o),
				"%s: partition %d committed at %d but offset %d was never processed", when, p, c, o)
		}
	}
	return offs
}

func TestKafkaSIGKILLNeverLosesARecordOrCommitsPastAnUnprocessedOne(t *testing.T) {
	datawaldBinary(t)
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(crashPartitions, crashTopic),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
	)
	require.NoError(t, err)
	defer cluster.Close()
	broker := cluster.ListenAddrs()[0]

	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	require.NoError(t, err)
	recs := make([]*kgo.Record, crashRecords)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: crashTopic, Value: fmt.Appendf(nil, "record-%d", i)}
	}
	require.NoError(t, cl.ProduceSync(context.Background(), recs...).FirstErr())
	cl.Close()

	dir := t.TempDir()
	logPath := filepath.Join(dir, "processed.log")
	cfg := kafkaCrashConfig(broker, logPath)

	// Kill at several points of the stream; each restart resumes from the
	// committed offsets.
	for i, killAt := range []int{40, 250, 500, 700} {
		p := startDatawald(t, dir, cfg)
		p.waitFor(t, 60*time.Second, fmt.Sprintf("%d processed lines", killAt), func() bool {
			_, n := processedSet(t, logPath)
			return n >= killAt
		})
		p.kill()
		offs := assertNoCommitPastUnprocessed(t, broker, logPath, fmt.Sprintf("after kill %d", i+1))
		set, lines := processedSet(t, logPath)
		t.Logf("kill %d at %d lines: %d distinct processed, committed %v", i+1, lines, len(set), offs)
	}

	p := startDatawald(t, dir, cfg)
	p.waitFor(t, 90*time.Second, "every record processed", func() bool {
		set, _ := processedSet(t, logPath)
		return len(set) == crashRecords
	})
	// Let the final commits land, then stop gracefully.
	p.waitFor(t, 30*time.Second, "final commit", func() bool {
		var sum int64
		for _, c := range committed(t, broker) {
			sum += c
		}
		return sum == crashRecords
	})
	p.stop(t)
	assertNoCommitPastUnprocessed(t, broker, logPath, "after the final run")

	set, lines := processedSet(t, logPath)
	for part := 0; part < crashPartitions; part++ {
		for o := 0; o < crashRecords/crashPartitions; o++ {
			assert.Contains(t, set, fmt.Sprintf("%d/%d", part, o))
		}
	}
	t.Logf("%d records processed at least once with %d redeliveries across 4 SIGKILLs", len(set), lines-len(set))
}
