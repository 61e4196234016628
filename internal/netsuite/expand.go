package netsuite

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
)

// GetRecords reads the records of recordType with the given internal ids,
// expanded (expandSubResources=true), at most concurrency at a time (the
// account limiter bounds them further). The result is in ids order; a
// record deleted since it was listed is nil. The first other error cancels
// the rest and is returned.
func (c *Client) GetRecords(ctx context.Context, recordType string, ids []string, concurrency int) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(ids))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		next     = make(chan int)
	)
	for range max(concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rec, err := c.GetRecord(ctx, recordType, ids[i], true)
				switch {
				case err == nil:
					out[i] = rec
				case errors.Is(err, ErrNotFound):
				default:
					errOnce.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := range ids {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
