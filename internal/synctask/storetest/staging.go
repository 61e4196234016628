package storetest

// Staging and content-dedupe cases of the conformance suite.

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/datawald/datawald/internal/synctask"
)

func firstSightingIsN(t *testing.T, s synctask.Store) {
	res := stage(t, s, "t1", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	assert.True(t, res[0].Changed)
	assert.Equal(t, "t1", res[0].TaskID)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusNew, e.Status)
	assert.JSONEq(t, `{"a":1}`, string(e.Data))
	assert.Empty(t, e.OldData)
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskProcessing, tk.Status)
	assert.Equal(t, synctask.Counts{N: 1}, tk.Counts)
	assert.Equal(t, t0.Add(time.Minute), tk.CutAt)
	assert.False(t, tk.DeadlineAt.IsZero(), "a task with pending entities has a deadline")
	assert.True(t, tk.EndedAt.IsZero())
}

func unchangedAfterSentIsI(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1,"b":{"x":[1.5,2]}}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	res := stage(t, s, "t2", input("1", `{ "b": {"x": [15e-1, 2.0]}, "a": 1.00 }`))
	assert.Equal(t, synctask.StatusIgnored, res[0].Status)
	assert.False(t, res[0].Changed)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusIgnored, e.Status)
	assert.Equal(t, "tgt-1", e.TgtID, "the target id survives re-staging")
}

func unchangedAfterIgnoredIsI(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusIgnored, "1")
	res := stage(t, s, "t2", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusIgnored, res[0].Status)
}

func unchangedAfterFailedIsN(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusFailed, "1")
	res := stage(t, s, "t2", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	e := entity(t, s, "1")
	assert.Equal(t, synctask.StatusNew, e.Status)
	assert.Empty(t, e.ErrorCode, "a re-staged entity carries no stale error")
}

func unchangedAfterPendingIsN(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	res := stage(t, s, "t2", input("1", `{"a":1}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	assert.False(t, res[0].Changed)
}

func changedDataKeepsOldData(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	record(t, s, "t1", synctask.StatusSent, "1")
	res := stage(t, s, "t2", input("1", `{"a":2}`))
	assert.Equal(t, synctask.StatusNew, res[0].Status)
	assert.True(t, res[0].Changed)
	e := entity(t, s, "1")
	assert.JSONEq(t, `{"a":2}`, string(e.Data))
	assert.JSONEq(t, `{"a":1}`, string(e.OldData))
	assert.Equal(t, "t2", e.TaskID)
}

func createdAtFromFirstSighting(t *testing.T, s synctask.Store) {
	stage(t, s, "t1", input("1", `{"a":1}`))
	later := input("1", `{"a":2}`)
	later.CreatedAt = t0.Add(48 * time.Hour)
	later.UpdatedAt = t0.Add(49 * time.Hour)
	stage(t, s, "t2", later)
	e := entity(t, s, "1")
	assert.Equal(t, t0, e.CreatedAt)
	assert.Equal(t, t0.Add(49*time.Hour), e.UpdatedAt)
}

func mixedBatchStoresEachEntity(t *testing.T, s synctask.Store) {
	first := []synctask.StageInput{input("a", `{"v":1}`), input("b", `{"v":1}`), input("c", `{"v":1}`)}
	for i := range first {
		first[i].CreatedAt = t0.Add(time.Duration(i) * time.Hour)
	}
	stage(t, s, "t1", first...)
	record(t, s, "t1", synctask.StatusSent, "a")
	record(t, s, "t1", synctask.StatusFailed, "b")

	later := t0.Add(72 * time.Hour)
	failed := input("e", `not json, it's raw`)
	failed.Failed, failed.ErrorCode, failed.Note = true, "E'1", "bad: 'x'"
	again := []synctask.StageInput{input("a", `{"v":1}`), input("b", `{"v":2}`), input("c", `{"v":3}`), input("d", `{"v":4}`), failed}
	for i := range again {
		again[i].CreatedAt, again[i].UpdatedAt = later, later.Add(time.Duration(i)*time.Minute)
	}
	stage(t, s, "t2", again...)

	want := []struct {
		id, data, old, tgt, code, note string
		status                         synctask.Status
		created                        time.Time
	}{
		{"a", `{"v":1}`, "", "tgt-a", "", "no update: data unchanged since last delivery", synctask.StatusIgnored, t0},
		{"b", `{"v":2}`, `{"v":1}`, "", "", "ns -> datawald", synctask.StatusNew, t0.Add(time.Hour)},
		{"c", `{"v":3}`, `{"v":1}`, "", "", "ns -> datawald", synctask.StatusNew, t0.Add(2 * time.Hour)},
		{"d", `{"v":4}`, "", "", "", "ns -> datawald", synctask.StatusNew, later},
		{"e", `not json, it's raw`, "", "", "E'1", "bad: 'x'", synctask.StatusFailed, later},
	}
	for i, w := range want {
		e := entity(t, s, w.id)
		assert.Equal(t, w.status, e.Status, w.id)
		assert.Equal(t, w.data, string(e.Data), w.id)
		if w.old == "" {
			assert.Nil(t, e.OldData, w.id)
		} else {
			assert.Equal(t, w.old, string(e.OldData), w.id)
		}
		assert.Equal(t, w.tgt, e.TgtID, w.id)
		assert.Equal(t, w.code, e.ErrorCode, w.id)
		assert.Equal(t, w.note, e.Note, w.id)
		assert.Equal(t, "t2", e.TaskID, w.id)
		assert.Equal(t, w.created, e.CreatedAt, w.id)
		assert.Equal(t, later.Add(time.Duration(i)*time.Minute), e.UpdatedAt, w.id)
	}
	assert.Equal(t, synctask.Counts{N: 3, F: 1, I: 1}, task(t, s, "t2").Counts)
}

func sourceFailureIsF(t *testing.T, s synctask.Store) {
	in := input("1", `not json at all`)
	in.Failed, in.ErrorCode, in.Note = true, "SCHEMA", "/total: expected number"
	res := stage(t, s, "t1", in, input("2", `{"a":1}`))
	assert.Equal(t, synctask.StatusFailed, res[0].Status)
	assert.Equal(t, synctask.StatusNew, res[1].Status)
	e := entity(t, s, "1")
	assert.Equal(t, "SCHEMA", e.ErrorCode)
	assert.Equal(t, "/total: expected number", e.Note)
	record(t, s, "t1", synctask.StatusSent, "2")
	tk := task(t, s, "t1")
	assert.Equal(t, synctask.TaskFail, tk.Status)
	assert.Equal(t, synctask.Counts{S: 1, F: 1}, tk.Counts)
}

func keysWithSeparatorsDoNotCollide(t *testing.T, s synctask.Store) {
	a := synctask.Key{Source: "ns_eu", Target: "mage2", TxType: "order-line", SrcID: "1-2"}
	b := synctask.Key{Source: "ns", Target: "eu_mage2", TxType: "order", SrcID: "line-1-2"}
	for i, k := range []synctask.Key{a, b} {
		_, err := s.Stage(ctx, synctask.TaskSpec{Source: k.Source, Target: k.Target, TxType: k.TxType},
			[]synctask.StageInput{{Key: k, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}})
		require.NoError(t, err)
	}
	ea, err := s.GetEntity(ctx, a)
	require.NoError(t, err)
	eb, err := s.GetEntity(ctx, b)
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":0}`, string(ea.Data))
	assert.JSONEq(t, `{"n":1}`, string(eb.Data))
	assert.Equal(t, a, ea.Key)
	assert.Equal(t, b, eb.Key)
}

func awkwardTextRoundTrips(t *testing.T, s synctask.Store) {
	k := synctask.Key{Source: "it's", Target: `back\slash`, TxType: "order'); DROP TABLE dw_entities; --", SrcID: "ünïcödé 注文 -_/%?"}
	_, err := s.Stage(ctx, synctask.TaskSpec{ID: "t'1", Source: k.Source, Target: k.Target, TxType: k.TxType, Seal: true},
		[]synctask.StageInput{{Key: k, Data: []byte(`{"name":"O'Brien \\ \u0000"}`)}})
	require.NoError(t, err)
	require.NoError(t, s.RecordOutcomes(ctx, []synctask.Outcome{{Key: k, TaskID: "t'1", Status: synctask.StatusFailed, ErrorCode: "E'1", Note: "can't: \"quoted\""}}))
	e, err := s.GetEntity(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, k, e.Key)
	assert.Equal(t, "t'1", e.TaskID)
	assert.Equal(t, "can't: \"quoted\"", e.Note)
	assert.JSONEq(t, `{"name":"O'Brien \\ \u0000"}`, string(e.Data))
	assert.Equal(t, synctask.TaskFail, task(t, s, "t'1").Status)

	bad := k
	bad.SrcID = "nul\x00byte"
	_, err = s.Stage(ctx, synctask.TaskSpec{Source: k.Source, Target: k.Target, TxType: k.TxType}, []synctask.StageInput{{Key: bad, Data: []byte(`{}`)}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "src_id must be valid UTF-8 without NUL bytes")
}

func duplicateKeyInBatch(t *testing.T, s synctask.Store) {
	res := stage(t, s, "t1", input("1", `{"v":1}`), input("1", `{"v":2}`))
	assert.Equal(t, synctask.StatusNew, res[1].Status)
	assert.JSONEq(t, `{"v":2}`, string(entity(t, s, "1").Data))
	assert.Equal(t, synctask.Counts{N: 1}, task(t, s, "t1").Counts)
}

func concurrentFirstSightings(t *testing.T, s synctask.Store) {
	const keys, stagers = 50, 4
	errs := make(chan error, stagers)
	for g := range stagers {
		go func() {
			var in []synctask.StageInput
			for i := range keys {
				in = append(in, input(fmt.Sprintf("k%02d", i), fmt.Sprintf(`{"i":%d}`, i)))
			}
			_, err := s.Stage(ctx, spec(fmt.Sprintf("t%d", g)), in)
			errs <- err
		}()
	}
	for range stagers {
		require.NoError(t, <-errs)
	}
	p, err := s.ListEntities(ctx, synctask.EntityFilter{Source: "ns", PageRequest: synctask.PageRequest{Limit: 1000}})
	require.NoError(t, err)
	assert.Len(t, p.Items, keys)
	pending := 0
	for g := range stagers {
		pending += task(t, s, fmt.Sprintf("t%d", g)).Counts.N
	}
	assert.Equal(t, keys, pending, "each entity is pending in exactly one task")
}
