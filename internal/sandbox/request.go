package sandbox

import "net/http"

// BaseURL is the scheme and host a client used to reach the server
// ("http://127.0.0.1:8480"), for the absolute links, Location headers and
// token audiences vendors answer with. Vendors call it from their handlers.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
