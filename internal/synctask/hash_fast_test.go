package synctask

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// canonicalDocs covers what the fast path takes and what it must hand over
// to the general path.
var canonicalDocs = []string{
	`{}`, `[]`, `0`, `-0`, `"x"`, `true`, `false`, `null`, ` {"a" : [ 1 , 2.50 , -3e+2 , 4E-1 ] } `,
	`{"order_id":"SO-1","customer":{"email":"c@example.com","name":"Customer 1"},"lines":[{"sku":"A","qty":2,"price":"19.90"}],"total":44.80}`,
	`{"b":1,"a":{"d":[{"z":null,"y":false}],"c":{}},"aa":[],"A":0.0}`,
	`{"name":"Müller 注文","emoji":"😀","del":"\u007f"}`,
	"{\"name\":\"M\xfcller\"}",                           // invalid UTF-8: general path (U+FFFD)
	"{\"sep\":\"a\u2028b\u2029c\"}",                      // escaped by encoding/json
	`{"q":"say \"hi\"","nl":"a\nb","u":"\u00e9"}`,        // escapes
	`{"a":1,"a":2}`,                                      // duplicate key: last wins
	`{"a":1}}`, `{"a":1} {"b":2}`, `{"a":1} x`, `[1,2]]`, // what follows the document
	`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":+1}`, `{"a":1e99999999999999999999}`,
	`{"a":tru}`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `{,}`, `{"a":[1 2]}`, `"unterminated`, ``, `   `,
	"{\"ctl\":\"a\tb\"}", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`123456789012345678901234567890.000e-5`, `{"k":1}` + "\n",
}

func requireSameCanonical(t *testing.T, doc []byte) {
	want, wantErr := canonicalGeneral(doc)
	got, ok := fastCanonical(nil, doc)
	if !ok {
		return // handed over to the general path
	}
	require.NoError(t, wantErr, "fast path accepted %q, which the general path rejects", doc)
	require.Equal(t, string(want), string(got), "document %q", doc)
}

func TestCanonicalFastPathMatchesGeneralPath(t *testing.T) {
	for _, doc := range canonicalDocs {
		requireSameCanonical(t, []byte(doc))
	}
	for i := range 50 {
		requireSameCanonical(t, fmt.Appendf(nil, `{"order_id":"SO-%08d","n":%d.%d0,"tags":["x%d"],"z":{"b":%d,"a":"%d"}}`, i, i, i, i, -i, i))
	}
}

func TestCanonicalFastPathTakesCommonDocuments(t *testing.T) {
	for _, doc := range []string{
		`{"b":[1,2.5,{"y":null,"x":"é"}],"a":true}`,
		`{"name":"Müller 注文","total":"44.80","qty":2}`,
	} {
		_, ok := fastCanonical(nil, []byte(doc))
		assert.True(t, ok, doc)
	}
	for _, doc := range []string{`{"a":1,"a":2}`, `{"q":"\""}`, `{"a":1}}`, "\"\xff\""} {
		_, ok := fastCanonical(nil, []byte(doc))
		assert.False(t, ok, doc)
	}
}

func FuzzCanonicalFastPathMatchesGeneralPath(f *testing.F) {
	for _, doc := range canonicalDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		requireSameCanonical(t, doc)
	})
}
