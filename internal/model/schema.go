package model

//go:generate env UPDATE_SCHEMAS=1 go test -run TestSchemasMatchGeneratedDocs -count=1 .

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
)

// SchemaBaseURL is the prefix of every schema's $id; the file name is the
// entity name plus ".json", as in docs/schemas/.
const SchemaBaseURL = "https://github.com/datawald/datawald/blob/main/docs/schemas/"

// entities maps each canonical entity name (the sync-task tx_type) to a
// zero value of its Go type.
var entities = map[string]any{
	"order":       Order{},
	"customer":    Customer{},
	"product":     Product{},
	"inventory":   InventoryLevel{},
	"fulfillment": Fulfillment{},
	"invoice":     Invoice{},
}

// ErrUnknownEntity is returned (wrapped) for an entity name that is not one
// of Entities.
var ErrUnknownEntity = errors.New("unknown canonical entity")

// Entities returns the canonical entity names in alphabetical order.
func Entities() []string {
	names := make([]string, 0, len(entities))
	for n := range entities {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var (
	schemaOnce  sync.Once
	schemaCache map[string][]byte
)

// Schema returns the JSON Schema (draft 2020-12) of the named entity,
// indented, with a trailing newline: the exact bytes of
// docs/schemas/<entity>.json.
func Schema(entity string) ([]byte, error) {
	schemaOnce.Do(func() {
		schemaCache = make(map[string][]byte, len(entities))
		for name, v := range entities {
			schemaCache[name] = reflectSchema(name, v)
		}
	})
	b, ok := schemaCache[entity]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownEntity, entity, strings.Join(Entities(), ", "))
	}
	return b, nil
}

func reflectSchema(name string, v any) []byte {
	r := &jsonschema.Reflector{
		// Omitted fields are optional; the rest are required. Unknown
		// fields are refused so a typo in a mapping is caught at the
		// source rather than silently dropped at the target.
		AllowAdditionalProperties: false,
		Namer:                     func(t reflect.Type) string { return t.Name() },
	}
	s := r.Reflect(v)
	s.ID = jsonschema.ID(SchemaBaseURL + name + ".json")
	s.Title = "datawald canonical " + name
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		// The schema is built from static Go types; failing to marshal it
		// is a programming error caught by the package tests.
		panic(fmt.Sprintf("marshalling %s schema: %v", name, err))
	}
	return append(b, '\n')
}
