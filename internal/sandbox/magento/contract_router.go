package magento

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// contractRouter matches request paths to the contract's operations.
//
// kin-openapi's routers validate the whole document first, and the Magento
// file fails that check on purpose-less naming differences (PUT
// /V1/bundle-products/{sku}/links/{id} next to POST .../links/{optionId}),
// so operations are matched here: per method, by segment, literal segments
// winning over {parameters} (so /V1/customers/search beats
// /V1/customers/{customerId}).
type contractRouter struct {
	routes map[string][]contractRoutePattern // by method
}

type contractRoutePattern struct {
	segments []string // "{name}" for a parameter
	literals int
	route    *routers.Route
}

func newContractRouter(doc *openapi3.T) *contractRouter {
	cr := &contractRouter{routes: map[string][]contractRoutePattern{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			segs := strings.Split(strings.Trim(path, "/"), "/")
			lit := 0
			for _, s := range segs {
				if !strings.HasPrefix(s, "{") {
					lit++
				}
			}
			cr.routes[method] = append(cr.routes[method], contractRoutePattern{
				segments: segs,
				literals: lit,
				route:    &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
			})
		}
	}
	for m := range cr.routes {
		rs := cr.routes[m]
		sort.Slice(rs, func(i, j int) bool {
			if rs[i].literals != rs[j].literals {
				return rs[i].literals > rs[j].literals
			}
			return rs[i].route.Path < rs[j].route.Path
		})
	}
	return cr
}

// FindRoute returns the operation for req and its decoded path parameters.
func (cr *contractRouter) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	raw := req.URL.EscapedPath()
	segs := strings.Split(strings.Trim(raw, "/"), "/")
	for _, p := range cr.routes[req.Method] {
		if len(p.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, s := range p.segments {
			if strings.HasPrefix(s, "{") {
				v, err := url.PathUnescape(segs[i])
				if err != nil {
					ok = false
					break
				}
				params[strings.Trim(s, "{}")] = v
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return p.route, params, nil
		}
	}
	return nil, nil, &routers.RouteError{Reason: fmt.Sprintf("%s %s: %s", req.Method, raw, routers.ErrPathNotFound.Error())}
}
