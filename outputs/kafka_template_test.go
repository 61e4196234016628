package outputs

import (
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKafkaOutputMetaTemplateAnswersExactlyAsBloblangWhenEveryEntryIsAStringOrBytes(t *testing.T) {
	msg := service.NewMessage([]byte("body"))
	msg.MetaSetMut("dw_tx_type", "order")
	msg.MetaSetMut("dw_src_id", "100123")
	msg.MetaSetMut("raw", []byte("bytes:ok"))
	msg.MetaSetMut("empty", "")
	for _, raw := range []string{
		`${! meta("dw_tx_type") }:${! meta("dw_src_id") }`,
		`${!meta("dw_tx_type")}${!meta("dw_src_id")}`,
		`entities.${! metadata("dw_tx_type") }.v1`,
		`${! @dw_src_id }`,
		`$ {x} ${! @raw } }`,
	} {
		tmpl := parseMetaTemplate(raw)
		require.NotNil(t, tmpl, raw)
		got, ok := tmpl.appendTo([]byte("prefix"), msg)
		require.True(t, ok, raw)

		is, err := service.NewInterpolatedString(raw)
		require.NoError(t, err, raw)
		want, err := is.TryBytes(msg)
		require.NoError(t, err, raw)
		assert.Equal(t, "prefix"+string(want), string(got), raw)
	}
}

func TestKafkaOutputMetaTemplateDefersToBloblangForMissingTypedOrEmptyEntries(t *testing.T) {
	msg := service.NewMessage(nil)
	msg.MetaSetMut("a", "x")
	msg.MetaSetMut("n", int64(7))
	msg.MetaSetMut("empty", "")
	for _, raw := range []string{`[${! meta("empty") }]`, `[${! @empty }]`, `[${! metadata("empty") }]`} {
		tmpl := parseMetaTemplate(raw)
		require.NotNil(t, tmpl, raw)
		_, ok := tmpl.appendTo(nil, msg)
		assert.False(t, ok, "%s: Bloblang decides what an empty entry reads as", raw)
	}
	tmpl := parseMetaTemplate(`${! meta("a") }:${! meta("missing") }`)
	require.NotNil(t, tmpl)
	_, ok := tmpl.appendTo(nil, msg)
	assert.False(t, ok, "a missing entry interpolates as Bloblang says (null), not as empty")

	tmpl = parseMetaTemplate(`${! @n }`)
	require.NotNil(t, tmpl)
	_, ok = tmpl.appendTo(nil, msg)
	assert.False(t, ok, "a typed entry is formatted by Bloblang")
}

func TestKafkaOutputMetaTemplateIsOnlyParsedForTextAndMetadataReferences(t *testing.T) {
	for _, raw := range []string{
		"datawald.entities",
		`${! meta("a").uppercase() }`,
		`${! counter() }`,
		`${! meta("a") }-${! uuid_v4() }`,
		`${{! meta("a") }}`,
		`${! @a.b }`,
		`${! meta( "a" ) }`,
	} {
		assert.Nil(t, parseMetaTemplate(raw), raw)
	}
}
