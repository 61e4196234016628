package synctask

import (
	"context"
	"time"
)

// Store persists staging, tasks, the replay queue, task events and named
// cursors. Implementations must be safe for concurrent use, and every
// method that changes state does so atomically: a Stage, RecordOutcomes,
// Retry or ExpireOverdue call either fully applies or not at all.
//
// The interface speaks in keys, filters and opaque page cursors only, so it
// can be implemented on a key-value store (DynamoDB) as well as on SQL.
type Store interface {
	// Stage stages a batch of entities with content dedupe and attaches
	// them to the task described by spec (created if it does not exist,
	// reopened to Processing if it had finished and gets pending entities).
	// Results are in input order.
	Stage(ctx context.Context, spec TaskSpec, in []StageInput) ([]StageResult, error)

	// SealTask marks a task as having all its entities, so it finishes once
	// they all have outcomes. Sealing twice is harmless.
	SealTask(ctx context.Context, id string) error

	// RecordOutcomes records target-side outcomes (S, F or I) and rolls the
	// affected tasks up.
	RecordOutcomes(ctx context.Context, outcomes []Outcome) error

	// GetEntity returns one entity with Data and OldData, or ErrNotFound.
	GetEntity(ctx context.Context, key Key) (Entity, error)
	// ListEntities lists entities matching f, without Data and OldData.
	ListEntities(ctx context.Context, f EntityFilter) (Page[Entity], error)

	// GetTask returns one task, or ErrNotFound.
	GetTask(ctx context.Context, id string) (Task, error)
	// ListTasks lists tasks matching f, newest first.
	ListTasks(ctx context.Context, f TaskFilter) (Page[Task], error)
	// TaskEntities lists the entities attached to a task with their status
	// in that task.
	TaskEntities(ctx context.Context, taskID string, f PageRequest) (Page[TaskEntity], error)

	// Retry resets the F and ? entities selected by r to N, reopens their
	// tasks and queues them for replay. Entities in other statuses are left
	// alone, so retrying twice never queues an entity twice.
	Retry(ctx context.Context, r RetryRequest) (RetryResult, error)
	// ClaimReplay removes up to limit queued items matching sel from the
	// replay queue and returns them with their staged payload. An item is
	// returned by exactly one ClaimReplay call.
	ClaimReplay(ctx context.Context, sel ReplaySelector, limit int) ([]ReplayItem, error)

	// ExpireOverdue turns the pending entities of every task whose deadline
	// is at or before now into ? and rolls those tasks up. It returns the
	// earliest deadline still in the future (zero if none).
	ExpireOverdue(ctx context.Context, now time.Time) (time.Time, error)
	// NextDeadline returns the earliest pending task deadline (zero if none).
	NextDeadline(ctx context.Context) (time.Time, error)

	// TaskEvents returns up to limit events with Seq > after, oldest first.
	TaskEvents(ctx context.Context, after int64, limit int) ([]TaskEvent, error)
	// LoadCursor returns a named cursor (0 when unset); SaveCursor sets it.
	LoadCursor(ctx context.Context, name string) (int64, error)
	SaveCursor(ctx context.Context, name string, value int64) error

	// Close releases the store's resources.
	Close(ctx context.Context) error
}

// PageRequest asks for one page of a listing.
type PageRequest struct {
	// Limit is the page size; 0 means 100. Stores cap it at 1000.
	Limit int
	// Cursor is the opaque Next of the previous page; empty for the first.
	Cursor string
}

// Page is one page of a listing. Next is empty on the last page.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// EntityFilter selects entities. Empty fields match everything.
type EntityFilter struct {
	Source, Target, TxType string
	// SrcID selects one source id (with the other key fields, one entity).
	SrcID    string
	Statuses []Status
	TaskID   string
	PageRequest
}

// TaskFilter selects tasks. Empty fields match everything; the time range
// applies to StartedAt and is half-open [From, To).
type TaskFilter struct {
	Source, Target, TxType string
	Statuses               []TaskStatus
	From, To               time.Time
	PageRequest
}

// TaskEntity is an entity as seen by one task.
type TaskEntity struct {
	Key
	Status Status `json:"tx_status"`
}

// RetryRequest selects what to retry: a task (its F and ? entities) or a
// filter over entities. Only F and ? entities are ever retried; with no
// Statuses both are.
type RetryRequest struct {
	TaskID string
	Filter EntityFilter
	// Max caps how many entities one call resets; 0 means 10,000.
	Max int
}

// RetryResult tells what a retry did.
type RetryResult struct {
	Entities int      `json:"entities"`
	Tasks    []string `json:"tasks"`
}

// ReplaySelector narrows which replay items a sync_task_replay input takes.
// Empty fields match everything.
type ReplaySelector struct {
	Source, Target string
	TxTypes        []string
}

// pageLimit normalises a page size.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// decideStaging applies DataWald's dedupe rules to one incoming entity
// given its stored predecessor (nil when first seen). It returns the new
// entity state; prev is not modified.
func decideStaging(prev *Entity, in StageInput, hash, taskID string, now time.Time) (Entity, bool) {
	e := Entity{
		Key: in.Key, Hash: hash, Data: in.Data, TaskID: taskID,
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt, StagedAt: now, StatusAt: now,
		Status: StatusNew, Note: in.Key.Source + " -> datawald",
	}
	changed := true
	if prev != nil {
		if !prev.CreatedAt.IsZero() {
			e.CreatedAt = prev.CreatedAt
		}
		e.OldData = prev.OldData
		e.TgtID = prev.TgtID
		if prev.Hash == hash {
			changed = false
			if prev.Status == StatusSent || prev.Status == StatusIgnored {
				e.Status = StatusIgnored
				e.Note = "no update: data unchanged since last delivery"
			}
		} else {
			e.OldData = prev.Data
		}
		if e.Status == prev.Status {
			e.StatusAt = prev.StatusAt
		}
	}
	if in.Failed {
		e.Status = StatusFailed
		e.ErrorCode = in.ErrorCode
		e.Note = in.Note
	}
	return e, changed
}
