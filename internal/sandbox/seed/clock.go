package seed

import (
	"math/rand/v2"
	"slices"
	"time"
)

// createdTimes returns n ascending whole-second times in [from, to].
func createdTimes(r *rand.Rand, n int, from, to time.Time) []time.Time {
	span := to.Sub(from)
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = from.Add(time.Duration(r.Int64N(int64(span/time.Second)+1)) * time.Second)
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return ts
}

// between returns a whole-second time in [a, b] (a when b is before a).
func between(r *rand.Rand, a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(r.Int64N(int64(b.Sub(a)/time.Second)+1)) * time.Second)
}

// updatedTimes returns a modification time per creation time: a third of
// the records were never modified, the rest at some time up to End.
func (g *generator) updatedTimes(r *rand.Rand, created []time.Time) []time.Time {
	up := make([]time.Time, len(created))
	for i, c := range created {
		if r.IntN(3) == 0 {
			up[i] = c
			continue
		}
		up[i] = between(r, c, g.cat.End)
	}
	return up
}

// burst moves groups of records to shared modification seconds in the
// second half of the history and records the seconds in Catalog.Bursts.
// Only records not modified after a burst second can join it, so no
// modification time goes backwards.
func (g *generator) burst(r *rand.Rand, kind string, updated []time.Time) {
	n := len(updated)
	size := max(2, min(g.c.BurstSize, n/8))
	if n < 4 {
		return
	}
	half := g.cat.Start.Add(g.cat.End.Sub(g.cat.Start) / 2)
	taken := make([]bool, n)
	for range g.c.BurstsPerEntity {
		t := between(r, half, g.cat.End)
		picked := 0
		for _, i := range r.Perm(n) {
			if picked == size {
				break
			}
			if taken[i] || updated[i].After(t) {
				continue
			}
			taken[i] = true
			updated[i] = t
			picked++
		}
		if picked > 1 {
			g.cat.Bursts[kind] = append(g.cat.Bursts[kind], t)
		}
	}
	slices.SortFunc(g.cat.Bursts[kind], func(a, b time.Time) int { return a.Compare(b) })
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
