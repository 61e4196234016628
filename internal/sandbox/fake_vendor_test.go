package sandbox_test

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox"
)

// fakeVendor is a small in-memory vendor: items with a name, one route that
// blocks until released (to hold requests in flight), and Mutate on
// "items".
type fakeVendor struct {
	mu      sync.Mutex
	items   map[int]string
	resets  int
	release chan struct{} // GET /slow waits on it
	entered chan struct{} // GET /slow signals it started
	clock   func() time.Time
}

func newFakeVendor() *fakeVendor {
	v := &fakeVendor{release: make(chan struct{}), entered: make(chan struct{}, 100), clock: time.Now}
	v.Reset()
	return v
}

func (v *fakeVendor) Name() string { return "fake" }

func (v *fakeVendor) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			http.Error(w, `{"message":"bad id"}`, http.StatusBadRequest)
			return
		}
		v.mu.Lock()
		name, ok := v.items[id]
		v.mu.Unlock()
		if !ok {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%d,"name":%q}`, id, name)
	})
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, _ *http.Request) {
		v.mu.Lock()
		id := len(v.items) + 1
		v.items[id] = "new"
		v.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("vendor bug")
	})
	mux.HandleFunc("GET /silent", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		v.entered <- struct{}{}
		select {
		case <-v.release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (v *fakeVendor) Reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.items = map[int]string{1: "one", 2: "two", 3: "three"}
	v.resets++
}

var errVendorBroken = errors.New("vendor storage broken")

func (v *fakeVendor) Mutate(req sandbox.MutateRequest) (sandbox.MutateResult, error) {
	switch req.Entity {
	case "items":
	case "broken":
		return sandbox.MutateResult{}, errVendorBroken
	default:
		return sandbox.MutateResult{}, sandbox.BadRequestf("unknown entity %q", req.Entity)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	name, _ := req.Set["name"].(string)
	if name == "" {
		name = "renamed"
	}
	ids := req.IDs
	if len(ids) == 0 {
		for i := 1; i <= req.Count; i++ {
			ids = append(ids, strconv.Itoa(i))
		}
	}
	for _, s := range ids {
		id, err := strconv.Atoi(s)
		if err != nil || v.items[id] == "" {
			return sandbox.MutateResult{}, &sandbox.BadRequestError{Message: fmt.Sprintf("no item %q", s)}
		}
		v.items[id] = name
	}
	return sandbox.MutateResult{Changed: ids, ModifiedAt: v.clock().UTC().Truncate(time.Second)}, nil
}

func (v *fakeVendor) Credentials() map[string]string { return map[string]string{"token": "fake-token"} }

func (v *fakeVendor) item(id int) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.items[id]
}

// faultyVendor adds a vendor-specific fault body.
type faultyVendor struct{ *fakeVendor }

func (faultyVendor) WriteFault(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "7")
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"vendor":"fake","status":%d}`, status)
}
