package model

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// FieldError is one reason a document does not match its schema.
type FieldError struct {
	// Field is the JSON pointer of the offending value ("/lines/0/sku");
	// "" means the document root.
	Field   string
	Message string
}

// ValidationError lists every field of a document that breaks its entity's
// schema. Validate returns it (wrapped) so callers can use errors.As.
type ValidationError struct {
	Entity string
	Fields []FieldError
}

// Error names the entity and each failing field, e.g.
// `invalid order: /lines/0/quantity: does not match pattern ...`.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		field := f.Field
		if field == "" {
			field = "(root)"
		}
		parts[i] = field + ": " + f.Message
	}
	return fmt.Sprintf("invalid %s: %s", e.Entity, strings.Join(parts, "; "))
}

var (
	validatorsOnce sync.Once
	validators     map[string]*jsonschema.Schema
	validatorsErr  error
)

func compileValidators() {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	validators = make(map[string]*jsonschema.Schema, len(entities))
	for _, name := range Entities() {
		raw, _ := Schema(name)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			validatorsErr = fmt.Errorf("decoding %s schema: %w", name, err)
			return
		}
		url := SchemaBaseURL + name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			validatorsErr = fmt.Errorf("adding %s schema: %w", name, err)
			return
		}
		s, err := c.Compile(url)
		if err != nil {
			validatorsErr = fmt.Errorf("compiling %s schema: %w", name, err)
			return
		}
		validators[name] = s
	}
}

// Validate checks a JSON document against the named entity's schema. It
// returns nil when the document is valid, a *ValidationError naming every
// failing field when it is not, and a plain error when the entity is unknown
// or the document is not JSON. It is safe for concurrent use.
func Validate(entity string, doc []byte) error {
	validatorsOnce.Do(compileValidators)
	if validatorsErr != nil {
		return validatorsErr
	}
	s, ok := validators[entity]
	if !ok {
		return fmt.Errorf("validating: %w %q (known: %s)", ErrUnknownEntity, entity, strings.Join(Entities(), ", "))
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("validating %s: decoding document: %w", entity, err)
	}
	err = s.Validate(v)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("validating %s: %w", entity, err)
	}
	out := &ValidationError{Entity: entity}
	collectLeaves(verr, message.NewPrinter(language.English), &out.Fields)
	sort.SliceStable(out.Fields, func(i, j int) bool { return out.Fields[i].Field < out.Fields[j].Field })
	return out
}

// collectLeaves flattens the error tree to its leaves: the causes that say
// what is wrong rather than which schema branch was being checked.
func collectLeaves(e *jsonschema.ValidationError, p *message.Printer, into *[]FieldError) {
	if len(e.Causes) == 0 {
		*into = append(*into, FieldError{
			Field:   pointer(e.InstanceLocation),
			Message: e.ErrorKind.LocalizedString(p),
		})
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, p, into)
	}
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}
