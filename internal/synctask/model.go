package synctask

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is an entity's tx_status.
type Status string

// Entity statuses, with DataWald's codes.
const (
	StatusNew     Status = "N"
	StatusSent    Status = "S"
	StatusFailed  Status = "F"
	StatusIgnored Status = "I"
	StatusUnknown Status = "?"
)

// Valid reports whether s is one of the five entity statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusSent, StatusFailed, StatusIgnored, StatusUnknown:
		return true
	}
	return false
}

// TaskStatus is a sync task's sync_status.
type TaskStatus string

// Task statuses.
const (
	TaskProcessing  TaskStatus = "Processing"
	TaskCompleted   TaskStatus = "Completed"
	TaskFail        TaskStatus = "Fail"
	TaskIncompleted TaskStatus = "Incompleted"
)

// Valid reports whether s is one of the four task statuses.
func (s TaskStatus) Valid() bool {
	switch s {
	case TaskProcessing, TaskCompleted, TaskFail, TaskIncompleted:
		return true
	}
	return false
}

// Key identifies one entity for one source→target pair. The four fields are
// kept apart everywhere (columns, JSON fields, metadata), never joined.
type Key struct {
	Source string `json:"source"`
	Target string `json:"target"`
	TxType string `json:"tx_type"`
	SrcID  string `json:"src_id"`
}

// Validate returns an error naming every empty field of k.
func (k Key) Validate() error {
	var missing []string
	if k.Source == "" {
		missing = append(missing, "source")
	}
	if k.Target == "" {
		missing = append(missing, "target")
	}
	if k.TxType == "" {
		missing = append(missing, "tx_type")
	}
	if k.SrcID == "" {
		missing = append(missing, "src_id")
	}
	if len(missing) > 0 {
		return &MissingKeyError{Fields: missing}
	}
	for name, v := range map[string]string{"source": k.Source, "target": k.Target, "tx_type": k.TxType, "src_id": k.SrcID} {
		if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
			return fmt.Errorf("entity key field %s must be valid UTF-8 without NUL bytes", name)
		}
	}
	return nil
}

// String renders k for humans (logs, notes). It is not parsed back.
func (k Key) String() string {
	return fmt.Sprintf("%s→%s %s %q", k.Source, k.Target, k.TxType, k.SrcID)
}

// MissingKeyError reports key fields that are empty.
type MissingKeyError struct {
	Fields []string
}

func (e *MissingKeyError) Error() string {
	return fmt.Sprintf("missing entity key fields: %v", e.Fields)
}

// Entity is the staged state of one entity.
type Entity struct {
	Key
	Status    Status `json:"tx_status"`
	Hash      string `json:"hash"`
	Data      []byte `json:"-"`
	OldData   []byte `json:"-"`
	TgtID     string `json:"tgt_id"`
	ErrorCode string `json:"error_code,omitempty"`
	Note      string `json:"tx_note"`
	// TaskID is the task the entity was last attached to.
	TaskID string `json:"task_id"`
	// CreatedAt is the source creation time, kept from the first sighting.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is the source modification time of the staged version.
	UpdatedAt time.Time `json:"updated_at"`
	// StagedAt is when the current version was staged.
	StagedAt time.Time `json:"staged_at"`
	// StatusAt is when Status last changed.
	StatusAt time.Time `json:"status_at"`
}

// Counts holds a task's per-status entity counters.
type Counts struct {
	N       int `json:"N"`
	S       int `json:"S"`
	F       int `json:"F"`
	I       int `json:"I"`
	Unknown int `json:"?"`
}

// Total is the number of entities attached to the task.
func (c Counts) Total() int { return c.N + c.S + c.F + c.I + c.Unknown }

// add adjusts the counter of s by d.
func (c *Counts) add(s Status, d int) {
	switch s {
	case StatusNew:
		c.N += d
	case StatusSent:
		c.S += d
	case StatusFailed:
		c.F += d
	case StatusIgnored:
		c.I += d
	case StatusUnknown:
		c.Unknown += d
	}
}

// RollUp derives a task status from counters: Processing while anything is
// pending, then any ? → Incompleted, else any F → Fail, else Completed.
func (c Counts) RollUp() TaskStatus {
	switch {
	case c.N > 0:
		return TaskProcessing
	case c.Unknown > 0:
		return TaskIncompleted
	case c.F > 0:
		return TaskFail
	default:
		return TaskCompleted
	}
}

// Task is one sync task.
type Task struct {
	ID     string     `json:"id"`
	TxType string     `json:"tx_type"`
	Source string     `json:"source"`
	Target string     `json:"target"`
	Status TaskStatus `json:"sync_status"`
	Counts Counts     `json:"counts"`
	// CutAt is the watermark the task reached: the max source updated_at of
	// its entities.
	CutAt     time.Time `json:"cut_at"`
	StartedAt time.Time `json:"started_at"`
	// EndedAt is zero while the task is Processing.
	EndedAt time.Time `json:"ended_at"`
	// DeadlineAt is when pending entities become ?; zero when none pend.
	DeadlineAt time.Time     `json:"deadline_at"`
	Deadline   time.Duration `json:"-"`
	Retries    int           `json:"retries"`
	// Sealed is set once no more entities will be attached (the input's
	// poll cycle ended, or the batch was its own task). Only a sealed task
	// leaves Processing.
	Sealed bool `json:"sealed"`
}

// taskWire is Task's JSON form: times that are not set are left out.
type taskWire struct {
	ID         string     `json:"id"`
	TxType     string     `json:"tx_type"`
	Source     string     `json:"source"`
	Target     string     `json:"target"`
	Status     TaskStatus `json:"sync_status"`
	Counts     Counts     `json:"counts"`
	CutAt      *time.Time `json:"cut_at,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	DeadlineAt *time.Time `json:"deadline_at,omitempty"`
	DeadlineMS int64      `json:"deadline_ms"`
	Retries    int        `json:"retries"`
	Sealed     bool       `json:"sealed"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeVal(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// MarshalJSON encodes the task, leaving out times that are not set.
func (t Task) MarshalJSON() ([]byte, error) {
	return json.Marshal(taskWire{ID: t.ID, TxType: t.TxType, Source: t.Source, Target: t.Target, Status: t.Status, Counts: t.Counts,
		CutAt: timePtr(t.CutAt), StartedAt: timePtr(t.StartedAt), EndedAt: timePtr(t.EndedAt), DeadlineAt: timePtr(t.DeadlineAt),
		DeadlineMS: t.Deadline.Milliseconds(), Retries: t.Retries, Sealed: t.Sealed})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (t *Task) UnmarshalJSON(b []byte) error {
	var w taskWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = Task{ID: w.ID, TxType: w.TxType, Source: w.Source, Target: w.Target, Status: w.Status, Counts: w.Counts,
		CutAt: timeVal(w.CutAt), StartedAt: timeVal(w.StartedAt), EndedAt: timeVal(w.EndedAt), DeadlineAt: timeVal(w.DeadlineAt),
		Deadline: time.Duration(w.DeadlineMS) * time.Millisecond, Retries: w.Retries, Sealed: w.Sealed}
	return nil
}

// TaskSpec describes the task a staged batch belongs to.
type TaskSpec struct {
	// ID of the task; a new id is generated when empty.
	ID     string
	TxType string
	Source string
	Target string
	// Deadline after which entities still N become ?. Zero means DefaultDeadline.
	Deadline time.Duration
	// Seal marks this Stage call as the task's last: once its entities
	// have outcomes the task finishes.
	Seal bool
}

// DefaultDeadline is used when a TaskSpec has no deadline.
const DefaultDeadline = time.Hour

// StageInput is one entity to stage.
type StageInput struct {
	Key
	Data      []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	// Failed marks an entity that failed at the source (validation); it is
	// staged as F with Note and never sent.
	Failed    bool
	ErrorCode string
	Note      string
}

// StageResult is the outcome of staging one entity.
type StageResult struct {
	Key
	Status Status
	Hash   string
	TaskID string
	// Changed reports whether the data differed from the stored version
	// (always true for a first sighting).
	Changed bool
}

// Outcome is what happened to one entity at the target.
type Outcome struct {
	Key
	// TaskID is the task the delivered message belonged to (dw_task_id).
	TaskID string
	// Hash of the delivered version (dw_hash). When it differs from the
	// stored hash the entity has been re-staged meanwhile, and only the
	// task's view is updated.
	Hash      string
	Status    Status // S, F or I
	TgtID     string
	ErrorCode string
	Note      string
}

// TaskEvent is a task that reached a terminal status.
type TaskEvent struct {
	Seq  int64     `json:"seq"`
	Task Task      `json:"task"`
	At   time.Time `json:"at"`
}

// ReplayItem is a staged entity queued for re-emission by a retry.
type ReplayItem struct {
	Entity Entity
	// TaskID is the task the retried entity is re-attached to.
	TaskID string
}

// Sentinel errors returned by every Store.
var (
	ErrNotFound = errors.New("not found")
	ErrClosed   = errors.New("sync-task store closed")
)

// NewTaskID returns a new time-ordered task id: 16 hex digits of the Unix
// time in nanoseconds followed by 8 random hex digits.
func NewTaskID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x%s", time.Now().UnixNano(), hex.EncodeToString(b[:]))
}
