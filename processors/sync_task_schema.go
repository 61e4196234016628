package processors

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// entitySchema validates canonical entities against a JSON Schema.
type entitySchema struct {
	schema *jsonschema.Schema
}

func loadEntitySchema(path string) (*entitySchema, error) {
	c := jsonschema.NewCompiler()
	s, err := c.Compile(path)
	if err != nil {
		return nil, fmt.Errorf("compiling entity schema %s: %w", path, err)
	}
	return &entitySchema{schema: s}, nil
}

// validate returns "" when doc satisfies the schema, or a one-line note
// listing each violation as "<json pointer>: <reason>".
func (s *entitySchema) validate(doc []byte) string {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return "payload is not valid JSON: " + err.Error()
	}
	err = s.schema.Validate(v)
	if err == nil {
		return ""
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return "schema validation failed: " + err.Error()
	}
	var parts []string
	for _, u := range ve.BasicOutput().Errors {
		if u.Error == nil {
			continue
		}
		loc := u.InstanceLocation
		if loc == "" {
			loc = "/"
		}
		parts = append(parts, loc+": "+u.Error.String())
	}
	if len(parts) == 0 {
		return "schema validation failed: " + strings.ReplaceAll(ve.Error(), "\n", "; ")
	}
	return "schema validation failed: " + strings.Join(parts, "; ")
}
