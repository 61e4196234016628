package magento

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Bulk operation statuses (Magento\AsynchronousOperations OperationInterface).
const (
	opComplete         = 1
	opFailedRetriable  = 2
	opFailedNotRetried = 3
	opOpen             = 4
	opRejected         = 5
)

// Queue topics of the async routes.
const (
	topicProductSave     = "async.magento.catalog.api.productrepositoryinterface.save.post"
	topicSourceItemsSave = "async.magento.inventoryapi.api.sourceitemssaveinterface.execute.post"
)

// bulkQueue holds the accepted bulks; operations complete lazily, in order,
// when a request arrives after their due time (see Vendor.advanceBulks).
type bulkQueue struct {
	byUUID  map[string]*bulk
	order   []string // uuids, oldest first
	pending int
}

// maxBulks bounds the bulks kept for status queries; the oldest finished
// ones are forgotten first (Magento's bulk cleanup cron does the same after
// its retention period).
const maxBulks = 1000

// remember stores b and evicts old finished bulks beyond maxBulks.
func (q *bulkQueue) remember(b *bulk) {
	q.byUUID[b.uuid] = b
	q.order = append(q.order, b.uuid)
	for i := 0; len(q.byUUID) > maxBulks && i < len(q.order); {
		old := q.byUUID[q.order[i]]
		if old.open() {
			i++
			continue
		}
		delete(q.byUUID, old.uuid)
		q.order = append(q.order[:i], q.order[i+1:]...)
	}
}

// open reports whether any operation of b is still waiting.
func (b *bulk) open() bool {
	for _, op := range b.ops {
		if op.status == opOpen {
			return true
		}
	}
	return false
}

func newBulkQueue() *bulkQueue { return &bulkQueue{byUUID: map[string]*bulk{}} }

type bulk struct {
	uuid        string
	description string
	startTime   string
	userType    int
	userID      int
	ops         []*bulkOp
}

type bulkOp struct {
	id        int
	status    int
	message   string
	errorCode int
	due       time.Time
	apply     func() error
}

// asyncResponse is the 202 answer of an async bulk call.
type asyncResponse struct {
	BulkUUID     string        `json:"bulk_uuid"`
	RequestItems []requestItem `json:"request_items"`
	Errors       bool          `json:"errors"`
}

type requestItem struct {
	ID           int    `json:"id"`
	DataHash     string `json:"data_hash,omitempty"`
	Status       string `json:"status"`
	ErrorMessage string `json:"error_message,omitempty"`
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// enqueue accepts an async bulk request: body must be a JSON array, each
// element one request body of the synchronous route. Elements that fail
// the structural check are rejected on the spot; the others become open
// operations run by apply later. Answers 202 with bulk_uuid.
func (v *Vendor) enqueue(w http.ResponseWriter, r *http.Request, body []byte, topic, entityType string,
	check func(json.RawMessage) error, apply func(json.RawMessage) error) error {
	var elems []json.RawMessage
	if err := json.Unmarshal(body, &elems); err != nil {
		return errDecoding(err)
	}
	if !v.opts.InputLimits.Disabled && len(elems) > v.opts.InputLimits.MaxAsyncListItems {
		return errTooManyItems(entityType, v.opts.InputLimits.MaxAsyncListItems)
	}
	who := principalOf(r)
	now := v.now()
	b := &bulk{
		uuid: newUUID(), description: "Topic " + topic, startTime: stamp(now),
		userType: who.userType, userID: who.userID,
	}
	resp := asyncResponse{BulkUUID: b.uuid, RequestItems: []requestItem{}}
	for i, el := range elems {
		sum := sha256.Sum256(el)
		item := requestItem{ID: i, DataHash: hex.EncodeToString(sum[:]), Status: "accepted"}
		if err := check(el); err != nil {
			item.Status, item.ErrorMessage = "rejected", renderErr(err)
			resp.Errors = true
			b.ops = append(b.ops, &bulkOp{id: i, status: opRejected, message: item.ErrorMessage})
			resp.RequestItems = append(resp.RequestItems, item)
			continue
		}
		el := el
		b.ops = append(b.ops, &bulkOp{
			id: i, status: opOpen, due: now.Add(time.Duration(i+1) * v.opts.BulkOperationDelay),
			apply: func() error { return apply(el) },
		})
		resp.RequestItems = append(resp.RequestItems, item)
	}
	v.mu.Lock()
	v.bulks.remember(b)
	for _, op := range b.ops {
		if op.status == opOpen {
			v.bulks.pending++
		}
	}
	v.mu.Unlock()
	writeJSON(w, http.StatusAccepted, resp)
	return nil
}

func renderErr(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return renderMessage(ae.Message, ae.Parameters)
	}
	return err.Error()
}

// advanceBulks runs the open operations whose due time has passed, in
// order, as the message queue consumer would.
func (v *Vendor) advanceBulks() {
	v.mu.RLock()
	pending := v.bulks.pending
	v.mu.RUnlock()
	if pending == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	for _, b := range v.bulks.byUUID {
		for _, op := range b.ops {
			if op.status != opOpen || now.Before(op.due) {
				continue
			}
			v.bulks.pending--
			err := op.apply()
			var ae *apiError
			switch {
			case err == nil:
				op.status, op.message = opComplete, "Service execution success "+b.description[len("Topic "):]
			case errors.As(err, &ae) && ae.status < 500:
				op.status, op.message, op.errorCode = opFailedNotRetried, renderErr(err), 0
			default:
				op.status, op.message = opFailedRetriable, renderErr(err)
			}
		}
	}
}

func (v *Vendor) handleBulkProducts(w http.ResponseWriter, r *http.Request, body []byte) error {
	check := func(el json.RawMessage) error {
		var one struct {
			Product map[string]json.RawMessage `json:"product"`
		}
		if err := json.Unmarshal(el, &one); err != nil {
			return errDecoding(err)
		}
		if one.Product == nil {
			return errInput(errRequiredField("product"))
		}
		return nil
	}
	apply := func(el json.RawMessage) error {
		_, err := v.saveProduct(el, "")
		return err
	}
	return v.enqueue(w, r, body, topicProductSave, `\Magento\Catalog\Api\Data\ProductInterface`, check, apply)
}

func (v *Vendor) handleBulkSourceItems(w http.ResponseWriter, r *http.Request, body []byte) error {
	decode := func(el json.RawMessage) ([]json.RawMessage, error) {
		var one struct {
			SourceItems *[]json.RawMessage `json:"sourceItems"`
		}
		if err := json.Unmarshal(el, &one); err != nil {
			return nil, errDecoding(err)
		}
		if one.SourceItems == nil {
			return nil, errInput(errRequiredField("sourceItems"))
		}
		return *one.SourceItems, nil
	}
	check := func(el json.RawMessage) error {
		items, err := decode(el)
		if err != nil {
			return err
		}
		// The input limit applies to each operation's list as well (magento2#34154).
		if !v.opts.InputLimits.Disabled && len(items) > v.opts.InputLimits.MaxSyncListItems {
			return errTooManyItems(sourceItemType, v.opts.InputLimits.MaxSyncListItems)
		}
		return nil
	}
	apply := func(el json.RawMessage) error {
		items, err := decode(el)
		if err != nil {
			return err
		}
		return v.saveSourceItems(items)
	}
	return v.enqueue(w, r, body, topicSourceItemsSave, sourceItemType, check, apply)
}

// bulkStatus is asynchronous-operations-data-bulk-operations-status-interface.
type bulkStatus struct {
	OperationsList []opStatus `json:"operations_list"`
	UserType       int        `json:"user_type"`
	BulkID         string     `json:"bulk_id"`
	Description    string     `json:"description"`
	StartTime      string     `json:"start_time"`
	UserID         int        `json:"user_id"`
	OperationCount int        `json:"operation_count"`
}

type opStatus struct {
	ID            int    `json:"id"`
	Status        int    `json:"status"`
	ResultMessage string `json:"result_message"`
	ErrorCode     int    `json:"error_code"`
}

func (v *Vendor) handleBulkStatus(w http.ResponseWriter, r *http.Request, _ []byte) error {
	uuid := r.PathValue("bulkUuid")
	v.mu.RLock()
	b, ok := v.bulks.byUUID[uuid]
	var out bulkStatus
	if ok {
		out = bulkStatus{
			OperationsList: make([]opStatus, len(b.ops)), UserType: b.userType, BulkID: b.uuid,
			Description: b.description, StartTime: b.startTime, UserID: b.userID, OperationCount: len(b.ops),
		}
		for i, op := range b.ops {
			out.OperationsList[i] = opStatus{ID: op.id, Status: op.status, ResultMessage: op.message, ErrorCode: op.errorCode}
		}
	}
	v.mu.RUnlock()
	if !ok {
		return errNamed(http.StatusNotFound, "Bulk uuid %bulkUuid not exist", map[string]any{"bulkUuid": uuid})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
