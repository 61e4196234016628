// Package api serves the sync-task HTTP API under /datawald/v1/ on the
// Benthos HTTP server: list and get tasks and entities, retry, and push
// entities into a stream. Components mount it when they are built (Mount);
// in streams mode Benthos serves their routes under /{stream}/datawald/v1/,
// and ProcessHandler serves the process's API at /datawald/v1/ for a front
// end that owns the public port (the `datawald streams` guard). docs/api/synctask.openapi.yaml documents it; a
// test checks every served route and response against that file.
//
// Authentication: when the environment variable named by token_env
// (default DATAWALD_API_TOKEN) is set, every request needs
// "Authorization: Bearer <token>", compared in constant time. Without a
// token the API answers only on loopback connections and refuses any
// request that reached the server through another address with 403 and a
// message saying why. (Benthos does not expose its bind address to plugins,
// so the refusal is enforced per connection, from the connection's local
// address; a startup warning says so too.)
package api

import (
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Prefix is the path under which the API is served.
const Prefix = "/datawald/v1/"

const (
	fieldEnabled  = "enabled"
	fieldTokenEnv = "token_env"
)

// Config enables the API and names the token's environment variable.
type Config struct {
	Enabled  bool
	TokenEnv string
}

// ConfigField is the `api` object field of the components that serve the API.
func ConfigField(name string) *service.ConfigField {
	return service.NewObjectField(name,
		service.NewBoolField(fieldEnabled).Description("Serve the sync-task API under `/datawald/v1/` on the Benthos HTTP server (in streams mode Benthos serves it under `/{stream}/datawald/v1/`, and `datawald streams` also at the process-wide `/datawald/v1/`). It is mounted when the component is built, so it answers before the first message.").Default(true),
		service.NewStringField(fieldTokenEnv).
			Description("Environment variable holding the API bearer token. When it is unset or empty the API only answers requests that arrive on a loopback address.").
			Default("DATAWALD_API_TOKEN"),
	).Description("The sync-task HTTP API.").Advanced()
}

// ConfigFromParsed reads the field added by ConfigField (pass the namespace).
func ConfigFromParsed(conf *service.ParsedConfig) (Config, error) {
	var c Config
	var err error
	if c.Enabled, err = conf.FieldBool(fieldEnabled); err != nil {
		return c, err
	}
	if c.TokenEnv, err = conf.FieldString(fieldTokenEnv); err != nil {
		return c, err
	}
	return c, nil
}

type mountedKey struct{}

// Mount registers the API on mgr's HTTP server once per manager (further
// calls are no-ops), serving the store named by dsn. It is called when a
// component is built, before the store is opened: each request acquires the
// store (see NewDSNHandler), so the API answers from the moment the stream
// runs, whether or not a message has flowed yet.
//
// In `run` mode the routes are served under /datawald/v1/; in streams mode
// Benthos prefixes them with the stream id (/{stream}/datawald/v1/). Mount
// also records the API for the process-wide Handler, which a streams-mode
// front end serves at /datawald/v1/.
func Mount(mgr *service.Resources, dsn string, c Config) error {
	if !c.Enabled {
		return nil
	}
	if _, loaded := mgr.GetOrSetGeneric(mountedKey{}, true); loaded {
		return nil
	}
	reg, err := endpointRegistrar(mgr)
	if err != nil {
		return err
	}
	token := os.Getenv(c.TokenEnv)
	if token == "" {
		mgr.Logger().Warnf("sync-task API: $%s is not set, so /datawald/v1/ answers only on loopback addresses and refuses every other connection", c.TokenEnv)
	}
	h := NewDSNHandler(dsn, token)
	m := mgr.Metrics()
	h.retried = m.NewCounter("datawald_sync_retried_entities_total", "kind")
	h.requests = m.NewCounter("datawald_sync_api_requests_total", "status")
	if first, ok := processWide.offer(dsn, h); !ok && first != dsn {
		mgr.Logger().Warnf("sync-task API: this stream's store differs from the one the process-wide /datawald/v1/ serves; its tasks are served only under this stream's own prefix")
	}
	// Each route is registered on its own: in streams mode Benthos prefixes
	// paths with path.Join, which drops a trailing slash, so a single
	// "/datawald/v1/" prefix registration would only match itself.
	seen := map[string]bool{}
	for _, route := range Routes {
		_, p, _ := strings.Cut(route, " ")
		if seen[p] {
			continue
		}
		seen[p] = true
		reg.RegisterEndpoint(p, "datawald sync-task API: "+route, h.ServeHTTP)
	}
	return nil
}

type registrar interface {
	RegisterEndpoint(path, desc string, h http.HandlerFunc)
}

// endpointRegistrar reaches the manager's RegisterEndpoint, which the public
// service API does not expose. Resources.XUnwrapper returns a value whose
// Unwrap method yields the internal manager; it is called by reflection
// because its return type is internal to Benthos.
func endpointRegistrar(mgr *service.Resources) (registrar, error) {
	u := reflect.ValueOf(mgr.XUnwrapper())
	m := u.MethodByName("Unwrap")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return nil, fmt.Errorf("mounting sync-task API: this Benthos version does not expose its HTTP server")
	}
	reg, ok := m.Call(nil)[0].Interface().(registrar)
	if !ok {
		return nil, fmt.Errorf("mounting sync-task API: this Benthos version does not expose RegisterEndpoint")
	}
	return reg, nil
}
