// Package demo holds what `datawald demo` shows and decides while the
// Magento ⇄ NetSuite flows run: per-flow progress read from the sync-task
// store, the per-task summary, and when the first full sync has settled.
// The command in internal/command wires it to the simulators, the embedded
// Kafka and streams mode.
package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/datawald/datawald/internal/synctask"
)

// Flow identifies one sync direction: the entities of one tx_type moving
// from a source endpoint to a target endpoint.
type Flow struct {
	Source, Target, TxType string
}

func (f Flow) String() string { return fmt.Sprintf("%s %s → %s", f.TxType, f.Source, f.Target) }

// FlowStats sums a flow's tasks.
type FlowStats struct {
	Tasks      int
	Processing int
	Counts     synctask.Counts
}

// Snapshot is the state of every task in the store at one moment.
type Snapshot struct {
	Flows map[Flow]*FlowStats
	Tasks []synctask.Task
}

// Processing is how many tasks have not finished.
func (s Snapshot) Processing() int {
	n := 0
	for _, f := range s.Flows {
		n += f.Processing
	}
	return n
}

// Failed reports whether any entity is F or ?.
func (s Snapshot) Failed() bool {
	for _, f := range s.Flows {
		if f.Counts.F > 0 || f.Counts.Unknown > 0 {
			return true
		}
	}
	return false
}

// Take reads every task from the store, newest first as the store pages them.
func Take(ctx context.Context, st synctask.Store) (Snapshot, error) {
	snap := Snapshot{Flows: map[Flow]*FlowStats{}}
	req := synctask.TaskFilter{PageRequest: synctask.PageRequest{Limit: 1000}}
	for {
		page, err := st.ListTasks(ctx, req)
		if err != nil {
			return snap, fmt.Errorf("listing sync tasks: %w", err)
		}
		for _, t := range page.Items {
			snap.Tasks = append(snap.Tasks, t)
			k := Flow{Source: t.Source, Target: t.Target, TxType: t.TxType}
			fs := snap.Flows[k]
			if fs == nil {
				fs = &FlowStats{}
				snap.Flows[k] = fs
			}
			fs.Tasks++
			if t.Status == synctask.TaskProcessing {
				fs.Processing++
			}
			fs.Counts.N += t.Counts.N
			fs.Counts.S += t.Counts.S
			fs.Counts.F += t.Counts.F
			fs.Counts.I += t.Counts.I
			fs.Counts.Unknown += t.Counts.Unknown
		}
		if page.Next == "" {
			return snap, nil
		}
		req.Cursor = page.Next
	}
}

func (s Snapshot) sortedFlows() []Flow {
	flows := make([]Flow, 0, len(s.Flows))
	for f := range s.Flows {
		flows = append(flows, f)
	}
	slices.SortFunc(flows, func(a, b Flow) int { return strings.Compare(a.String(), b.String()) })
	return flows
}

// ProgressLine is one line per flow: entities by status and unfinished tasks.
func (s Snapshot) ProgressLine() string {
	if len(s.Flows) == 0 {
		return "waiting for the first poll cycles…"
	}
	var parts []string
	for _, f := range s.sortedFlows() {
		c := s.Flows[f].Counts
		parts = append(parts, fmt.Sprintf("%s: N=%d S=%d F=%d I=%d ?=%d", f, c.N, c.S, c.F, c.I, c.Unknown))
	}
	return strings.Join(parts, " | ")
}

// WriteSummary prints one line per flow and one per task.
func (s Snapshot) WriteSummary(w io.Writer) {
	fmt.Fprintln(w, "\nsummary by flow:")
	for _, f := range s.sortedFlows() {
		st := s.Flows[f]
		c := st.Counts
		fmt.Fprintf(w, "  %-44s %3d tasks  S=%-5d I=%-5d F=%-4d ?=%-4d N=%d\n", f, st.Tasks, c.S, c.I, c.F, c.Unknown, c.N)
	}
	fmt.Fprintln(w, "\nsummary by task:")
	tasks := slices.Clone(s.Tasks)
	slices.SortFunc(tasks, func(a, b synctask.Task) int { return a.StartedAt.Compare(b.StartedAt) })
	for _, t := range tasks {
		took := "running"
		if !t.EndedAt.IsZero() {
			took = t.EndedAt.Sub(t.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "  %s  %-9s %-11s %s→%s  S=%d I=%d F=%d ?=%d N=%d  (%s)\n",
			t.ID, t.TxType, t.Status, t.Source, t.Target, t.Counts.S, t.Counts.I, t.Counts.F, t.Counts.Unknown, t.Counts.N, took)
	}
}

// Settler decides when the first full sync is over: every expected flow
// has at least one task, no task is Processing, and nothing changed for a
// quiet period (sources with nothing new produce no task, so silence is the
// only signal that their first poll cycle found nothing more).
type Settler struct {
	Expect []Flow
	Quiet  time.Duration

	last      string
	changedAt time.Time
}

// Observe records a snapshot taken at now and reports whether the sync has
// settled.
func (s *Settler) Observe(snap Snapshot, now time.Time) bool {
	sig := snap.ProgressLine()
	if sig != s.last || s.changedAt.IsZero() {
		s.last, s.changedAt = sig, now
	}
	if snap.Processing() > 0 {
		return false
	}
	for _, f := range s.Expect {
		if snap.Flows[f] == nil {
			return false
		}
	}
	return now.Sub(s.changedAt) >= s.Quiet
}

// Missing lists the expected flows with no task yet.
func (s *Settler) Missing(snap Snapshot) []Flow {
	var out []Flow
	for _, f := range s.Expect {
		if snap.Flows[f] == nil {
			out = append(out, f)
		}
	}
	return out
}
