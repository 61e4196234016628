package inputs

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/magento"
	"github.com/datawald/datawald/internal/magento/magentotest"
	"github.com/datawald/datawald/internal/sandbox"
	sbmagento "github.com/datawald/datawald/internal/sandbox/magento"
	"github.com/datawald/datawald/internal/sandbox/seed"
	"github.com/datawald/datawald/internal/synctask"
	_ "github.com/datawald/datawald/processors" // the sync_task processor
)

// Source items are read in full every cycle: the first cycle stages them
// N and the output (here a consumer recording S, as a target would) sends
// them; the second finds them unchanged, so the sync_task processor stages
// them I and drops them, the flagged last message included. Both cycles'
// tasks must be sealed by dw_task_last and finish Completed, the second at
// once, instead of waiting for their deadline. The poll interval leaves the
// first cycle time to deliver everything even on a loaded machine: an item
// still N when the next cycle stages it again moves to the newer task, which
// is the store's rule but not what this test is about.
func TestMagentoInputCyclesAreSealedByTheSyncTaskProcessorEvenWhenDedupedToIgnored(t *testing.T) {
	cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: 10}})
	sb := magentotest.Start(t, sbmagento.Options{Catalog: cat}, sandbox.Options{})
	all, err := sb.Client(t, sb.OAuth1()).Search(t.Context(), "/V1/inventory/source-items", magento.Criteria{}.Page(1, 1))
	require.NoError(t, err)
	require.Positive(t, all.TotalCount)
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "synctask.db")

	b := service.NewStreamBuilder()
	require.NoError(t, b.SetLoggerYAML(`level: warn`))
	require.NoError(t, b.AddCacheYAML("label: cp\nmemory: {}"))
	require.NoError(t, b.AddInputYAML(magentoInputYAML(sb, `  entity: source_items
  page_size: 40
  poll_interval: 6s
  checkpoint_cache: cp
`)))
	require.NoError(t, b.AddProcessorYAML(fmt.Sprintf(`sync_task:
  store: %s
  target: netsuite
  deadline: 1h
`, dsn)))
	store, err := synctask.Acquire(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Release(context.Background()) })
	var mu sync.Mutex
	tasks := map[string]int{}
	require.NoError(t, b.AddConsumerFunc(recordSent(store, func(env synctask.Envelope) {
		mu.Lock()
		tasks[env.TaskID]++
		mu.Unlock()
	})))
	s, err := b.Build()
	require.NoError(t, err)
	runStreamUntilCleanup(t, s)

	var list []synctask.Task
	require.Eventually(t, func() bool {
		p, err := store.ListTasks(t.Context(), synctask.TaskFilter{Source: "magento"})
		if err != nil || len(p.Items) < 2 {
			return false
		}
		list = p.Items
		return list[len(list)-2].Status != synctask.TaskProcessing
	}, 30*time.Second, 50*time.Millisecond, "the second poll cycle's task finishes")

	// ListTasks is newest first.
	second, first := list[len(list)-2], list[len(list)-1]
	for _, task := range []synctask.Task{first, second} {
		assert.True(t, task.Sealed, "task %s is sealed", task.ID)
		assert.Equal(t, synctask.TaskCompleted, task.Status, "task %s", task.ID)
		assert.True(t, task.DeadlineAt.IsZero(), "task %s waits for no deadline", task.ID)
	}
	assert.Equal(t, all.TotalCount, first.Counts.S, "the first cycle sent every source item")
	assert.Equal(t, all.TotalCount, second.Counts.I, "the second cycle found every source item unchanged")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]int{first.ID: all.TotalCount}, tasks, "I entities are dropped, so only the first cycle reaches the output")
}

// A mapping drops every cycle's last message (the one flagged
// dw_task_last) before the sync_task processor. With sync_task_store the
// input seals the task itself once the cycle's messages are acknowledged,
// and the task completes; without it the task stays Processing until its
// deadline.
func TestMagentoInputSealsTheCycleTaskItselfWhenTheLastMessageIsDroppedBeforeStaging(t *testing.T) {
	for _, withStore := range []bool{true, false} {
		t.Run(fmt.Sprintf("sync_task_store set %v", withStore), func(t *testing.T) {
			cat := seed.Generate(seed.Config{Counts: seed.Counts{Orders: 30}})
			sb := magentotest.Start(t, sbmagento.Options{Catalog: cat}, sandbox.Options{})
			all, err := sb.Client(t, sb.OAuth1()).Search(t.Context(), "/V1/orders", magento.Criteria{}.Page(1, 1))
			require.NoError(t, err)
			dsn := "sqlite://" + filepath.Join(t.TempDir(), "synctask.db")
			sealStore := ""
			if withStore {
				sealStore = "sync_task_store: " + dsn
			}

			b := service.NewStreamBuilder()
			require.NoError(t, b.SetLoggerYAML(`level: warn`))
			require.NoError(t, b.AddCacheYAML("label: cp\nmemory: {}"))
			require.NoError(t, b.AddInputYAML(magentoInputYAML(sb, fmt.Sprintf(`  entity: orders
  page_size: 7
  poll_interval: 1h
  checkpoint_cache: cp
  %s
`, sealStore))))
			require.NoError(t, b.AddProcessorYAML(`mapping: 'root = if @dw_task_last == "true" { deleted() }'`))
			require.NoError(t, b.AddProcessorYAML(fmt.Sprintf("sync_task:\n  store: %s\n  target: netsuite\n", dsn)))
			store, err := synctask.Acquire(t.Context(), dsn)
			require.NoError(t, err)
			t.Cleanup(func() { _ = store.Release(context.Background()) })
			var mu sync.Mutex
			sent := 0
			require.NoError(t, b.AddConsumerFunc(recordSent(store, func(synctask.Envelope) {
				mu.Lock()
				sent++
				mu.Unlock()
			})))
			s, err := b.Build()
			require.NoError(t, err)
			runStreamUntilCleanup(t, s)

			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return sent == all.TotalCount-1
			}, 30*time.Second, 20*time.Millisecond, "every order but the dropped last one is delivered")
			var task synctask.Task
			require.Eventually(t, func() bool {
				p, err := store.ListTasks(t.Context(), synctask.TaskFilter{Source: "magento"})
				if err != nil || len(p.Items) != 1 {
					return false
				}
				task = p.Items[0]
				return task.Counts.S == all.TotalCount-1 && (!withStore || task.Sealed)
			}, 30*time.Second, 20*time.Millisecond)
			if withStore {
				assert.Equal(t, synctask.TaskCompleted, task.Status, "sealed by the input, the task completes")
				return
			}
			time.Sleep(200 * time.Millisecond) // no seal is coming
			task, err = store.GetTask(t.Context(), task.ID)
			require.NoError(t, err)
			assert.False(t, task.Sealed, "without sync_task_store nothing seals the task before its deadline")
			assert.Equal(t, synctask.TaskProcessing, task.Status)
		})
	}
}
