package outputs

import (
	"fmt"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// interpolate evaluates an interpolated key field (a SKU, an external id,
// a record type) for msg and requires a non-blank value, so a message
// missing its key fails with an error naming the field instead of writing
// to the wrong record. Shared by the vendor outputs.
func interpolate(field string, is *service.InterpolatedString, msg *service.Message) (string, error) {
	v, err := is.TryString(msg)
	if err != nil {
		return "", fmt.Errorf("field %s: %w", field, err)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("field %s: evaluated to an empty value", field)
	}
	return v, nil
}
