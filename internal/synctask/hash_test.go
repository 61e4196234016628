package synctask

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContentHashIgnoresKeyOrderWhitespaceAndNumberSpelling(t *testing.T) {
	base, err := ContentHash([]byte(`{"a":1,"b":[1.5,{"y":true,"x":null}],"c":"é<>&"}`))
	require.NoError(t, err)
	for _, doc := range []string{
		`{"c":"é<>&","b":[1.5,{"x":null,"y":true}],"a":1}`,
		"{ \"a\" : 1.000 ,\n \"b\" : [ 15e-1 , { \"x\":null,\"y\":true } ], \"c\":\"\\u00e9\\u003c>&\" }",
		`{"a":1E0,"b":[0.15e1,{"y":true,"x":null}],"c":"é<>&"}`,
		`{"a":10e-1,"b":[150e-2,{"y":true,"x":null}],"c":"é<>&"}`,
	} {
		h, err := ContentHash([]byte(doc))
		require.NoError(t, err)
		assert.Equal(t, base, h, doc)
	}
}

func TestContentHashSeesRealChanges(t *testing.T) {
	base, err := ContentHash([]byte(`{"a":1,"b":[1,2]}`))
	require.NoError(t, err)
	for _, doc := range []string{
		`{"a":2,"b":[1,2]}`,
		`{"a":1,"b":[2,1]}`,
		`{"a":"1","b":[1,2]}`,
		`{"a":1,"b":[1,2],"c":null}`,
		`{"a":1.0000000000000000000001,"b":[1,2]}`,
	} {
		h, err := ContentHash([]byte(doc))
		require.NoError(t, err)
		assert.NotEqual(t, base, h, doc)
	}
}

func TestCanonicalNumberNormalisesExactDecimals(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.000": "0", "0e10": "0",
		"1": "1e0", "1.0": "1e0", "10": "1e1", "100e-2": "1e0",
		"-12.5": "-1.25e1", "0.00125": "1.25e-3", "123456789012345678901234567890": "1.2345678901234567890123456789e29",
	} {
		got, err := canonicalNumber(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
}

func TestContentHashRejectsInvalidJSON(t *testing.T) {
	_, err := ContentHash([]byte(`{"a":`))
	require.Error(t, err)
	_, err = ContentHash([]byte(`{} {}`))
	require.Error(t, err)
}
