package storetest

// Listing, paging, task-event and cursor cases of the conformance suite.

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

func listEntitiesPaging(t *testing.T, s synctask.Store) {
	var in []synctask.StageInput
	for i := range 7 {
		in = append(in, input(fmt.Sprintf("e%02d", i), fmt.Sprintf(`{"i":%d}`, i)))
	}
	stage(t, s, "t1", in...)
	record(t, s, "t1", synctask.StatusFailed, "e01", "e03", "e05")
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		p, err := s.ListEntities(ctx, synctask.EntityFilter{Target: "mage2", Statuses: []synctask.Status{synctask.StatusFailed},
			PageRequest: synctask.PageRequest{Limit: 2, Cursor: cursor}})
		require.NoError(t, err)
		for _, e := range p.Items {
			got = append(got, e.SrcID)
			assert.Nil(t, e.Data, "listings carry no payload")
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	assert.Equal(t, []string{"e01", "e03", "e05"}, got)

	p, err := s.ListEntities(ctx, synctask.EntityFilter{Source: "ns", Target: "mage2", TxType: "order", SrcID: "e04"})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, synctask.StatusNew, p.Items[0].Status)

	te, err := s.TaskEntities(ctx, "t1", synctask.PageRequest{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, te.Items, 7)
	assert.Equal(t, synctask.StatusFailed, te.Items[1].Status)
}

func listTasksFilters(t *testing.T, s synctask.Store) {
	stage(t, s, "a", input("1", `{}`))
	record(t, s, "a", synctask.StatusSent, "1")
	stage(t, s, "b", input("2", `{}`))
	stage(t, s, "c", input("3", `{}`))
	record(t, s, "c", synctask.StatusFailed, "3")

	p, err := s.ListTasks(ctx, synctask.TaskFilter{})
	require.NoError(t, err)
	require.Len(t, p.Items, 3)
	assert.Equal(t, "c", p.Items[0].ID, "newest first")

	p, err = s.ListTasks(ctx, synctask.TaskFilter{Statuses: []synctask.TaskStatus{synctask.TaskFail, synctask.TaskCompleted}, TxType: "order", Source: "ns", Target: "mage2"})
	require.NoError(t, err)
	var ids []string
	for _, tk := range p.Items {
		ids = append(ids, tk.ID)
	}
	assert.ElementsMatch(t, []string{"a", "c"}, ids)

	p, err = s.ListTasks(ctx, synctask.TaskFilter{From: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	assert.Empty(t, p.Items)
	p, err = s.ListTasks(ctx, synctask.TaskFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), PageRequest: synctask.PageRequest{Limit: 2}})
	require.NoError(t, err)
	assert.Len(t, p.Items, 2)
	require.NotEmpty(t, p.Next)
	p, err = s.ListTasks(ctx, synctask.TaskFilter{PageRequest: synctask.PageRequest{Limit: 2, Cursor: p.Next}})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "a", p.Items[0].ID)
	assert.Empty(t, p.Next)
}

func invalidCursor(t *testing.T, s synctask.Store) {
	_, err := s.ListTasks(ctx, synctask.TaskFilter{PageRequest: synctask.PageRequest{Cursor: "%%%"}})
	var ic *synctask.InvalidCursorError
	require.ErrorAs(t, err, &ic)
	_, err = s.ListEntities(ctx, synctask.EntityFilter{PageRequest: synctask.PageRequest{Cursor: "bm9wZQ"}})
	require.ErrorAs(t, err, &ic)
}

func taskEventsInOrder(t *testing.T, s synctask.Store) {
	stage(t, s, "a", input("1", `{}`))
	stage(t, s, "b", input("2", `{}`))
	record(t, s, "b", synctask.StatusFailed, "2")
	record(t, s, "a", synctask.StatusSent, "1")
	evs, err := s.TaskEvents(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, "b", evs[0].Task.ID)
	assert.Equal(t, synctask.TaskFail, evs[0].Task.Status)
	assert.Equal(t, "a", evs[1].Task.ID)
	assert.Equal(t, synctask.TaskCompleted, evs[1].Task.Status)
	assert.Less(t, evs[0].Seq, evs[1].Seq)
	after, err := s.TaskEvents(ctx, evs[0].Seq, 10)
	require.NoError(t, err)
	require.Len(t, after, 1)
	assert.Equal(t, "a", after[0].Task.ID)

	// Re-recording the same outcome does not finish the task again.
	record(t, s, "a", synctask.StatusSent, "1")
	evs, err = s.TaskEvents(ctx, 0, 10)
	require.NoError(t, err)
	assert.Len(t, evs, 2)
}

func cursorsPersist(t *testing.T, s synctask.Store) {
	v, err := s.LoadCursor(ctx, "events:notify")
	require.NoError(t, err)
	assert.Zero(t, v)
	require.NoError(t, s.SaveCursor(ctx, "events:notify", 42))
	require.NoError(t, s.SaveCursor(ctx, "events:notify", 43))
	v, err = s.LoadCursor(ctx, "events:notify")
	require.NoError(t, err)
	assert.Equal(t, int64(43), v)
}

func missingIsNotFound(t *testing.T, s synctask.Store) {
	_, err := s.GetEntity(ctx, key("missing"))
	assert.ErrorIs(t, err, synctask.ErrNotFound)
	_, err = s.GetTask(ctx, "missing")
	assert.ErrorIs(t, err, synctask.ErrNotFound)
}
