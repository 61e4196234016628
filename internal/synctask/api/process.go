package api

import (
	"net/http"
	"sync"
)

// processWide holds the API the process serves at /datawald/v1/ whatever
// stream it comes from: the one of the first Mount. Streams mode registers
// component endpoints only under /{stream}/, so operators would otherwise
// need the name of some stream to reach a store every stream shares.
var processWide = &processAPI{}

type processAPI struct {
	mu  sync.Mutex
	dsn string
	h   *Handler
}

// offer records h as the process-wide API when none is yet. It returns the
// DSN of the API in place and whether h became (or serves the same store
// as) it.
func (p *processAPI) offer(dsn string, h *Handler) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == nil {
		p.dsn, p.h = dsn, h
		return dsn, true
	}
	return p.dsn, p.dsn == dsn
}

func (p *processAPI) current() *Handler {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.h
}

// ProcessHandler serves the sync-task API of the process at /datawald/v1/ (and
// under any prefix that ends in it): the store of the first component that
// mounted the API, with that component's authentication rules (bearer
// token, or loopback only without one). Until a component has mounted it,
// it answers 503 with a JSON error. It is meant for a front end that owns
// the process's public port, such as the `datawald streams` guard:
//
//	if strings.HasPrefix(r.URL.Path, api.Prefix) { api.ProcessHandler().ServeHTTP(w, r); return }
func ProcessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := processWide.current()
		if h == nil {
			writeError(w, http.StatusServiceUnavailable, "no stream of this process serves the sync-task API yet (none with a sync_task processor or sync_task_replay input has started)")
			return
		}
		h.ServeHTTP(w, r)
	})
}
