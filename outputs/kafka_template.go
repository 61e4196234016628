package outputs

import (
	"regexp"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// metaRefPattern matches one interpolation that reads a metadata entry by
// name: ${! meta("name") }, ${! metadata("name") } or ${! @name }.
var metaRefPattern = regexp.MustCompile(`\$\{!\s*(?:(?:meta|metadata)\("([A-Za-z0-9_.\-]+)"\)|@([A-Za-z0-9_]+))\s*\}`)

// metaTemplate is an interpolated string made only of literal text and
// metadata references, the shape of datawald's keys and topics
// (`${! meta("dw_tx_type") }:${! meta("dw_src_id") }`). appendTo reads the
// referenced entries directly, which spares the Bloblang executor's
// allocations per message. It only answers when every referenced entry holds
// a non-empty string or bytes, where Bloblang's result is the plain
// concatenation; for a missing, typed or empty entry (meta() reads "" as
// null) the caller falls back to the interpolation, so results are always
// Bloblang's own.
type metaTemplate struct {
	parts []templatePart
}

// templatePart is literal text, or the metadata entry named meta.
type templatePart struct {
	literal string
	meta    string
}

// parseMetaTemplate returns the template of raw, or nil when raw holds no
// metadata reference or anything besides metadata references and text
// (other functions, escapes).
func parseMetaTemplate(raw string) *metaTemplate {
	locs := metaRefPattern.FindAllStringSubmatchIndex(raw, -1)
	if len(locs) == 0 {
		return nil
	}
	t := &metaTemplate{}
	literal := func(s string) bool {
		if strings.Contains(s, "${") {
			return false
		}
		if s != "" {
			t.parts = append(t.parts, templatePart{literal: s})
		}
		return true
	}
	at := 0
	for _, l := range locs {
		if !literal(raw[at:l[0]]) {
			return nil
		}
		name := ""
		if l[2] >= 0 {
			name = raw[l[2]:l[3]]
		} else {
			name = raw[l[4]:l[5]]
		}
		t.parts = append(t.parts, templatePart{meta: name})
		at = l[1]
	}
	if !literal(raw[at:]) {
		return nil
	}
	return t
}

// metaTemplateField parses the raw text of the interpolated field name.
func metaTemplateField(conf *service.ParsedConfig, name string) (*metaTemplate, error) {
	raw, err := conf.FieldString(name)
	if err != nil {
		return nil, err
	}
	return parseMetaTemplate(raw), nil
}

// appendTo appends the value of t for msg to dst. ok is false, and dst
// must then be discarded beyond its original length, when a referenced
// entry is missing or holds neither a string nor bytes.
func (t *metaTemplate) appendTo(dst []byte, msg *service.Message) (_ []byte, ok bool) {
	for _, p := range t.parts {
		if p.meta == "" {
			dst = append(dst, p.literal...)
			continue
		}
		// Missing, typed and empty (which meta() reads as null) entries
		// are left to Bloblang.
		n := len(dst)
		switch v, _ := msg.MetaGetImmut(p.meta); v := v.(type) {
		case string:
			dst = append(dst, v...)
		case []byte:
			dst = append(dst, v...)
		}
		if len(dst) == n {
			return dst, false
		}
	}
	return dst, true
}
