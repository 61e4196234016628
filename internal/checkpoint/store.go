package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names, as Benthos' own connectors name them.
const (
	FieldCache = "checkpoint_cache"
	FieldKey   = "checkpoint_key"
)

// Fields returns the checkpoint_cache and checkpoint_key config fields.
// defaultKey should identify the source, e.g. "magento_orders".
func Fields(defaultKey string) []*service.ConfigField {
	return []*service.ConfigField{
		service.NewStringField(FieldCache).
			Description("Name of a cache resource where the input keeps its position, so a restart resumes where it left off. The position advances only when every message before it has been acknowledged. Use a persistent cache (`file`, `redis`, ...) in production: a `memory` cache forgets the position on restart.").
			Example("checkpoints"),
		service.NewStringField(FieldKey).
			Description("Key of the position in `checkpoint_cache`. Give each input reading the same source a different key.").
			Default(defaultKey),
	}
}

// Store reads and writes one cursor in a Benthos cache resource.
type Store struct {
	res   *service.Resources
	cache string
	key   string
}

// NewStoreFromParsed builds a Store from the fields added by Fields.
func NewStoreFromParsed(conf *service.ParsedConfig, res *service.Resources) (*Store, error) {
	cache, err := conf.FieldString(FieldCache)
	if err != nil {
		return nil, err
	}
	key, err := conf.FieldString(FieldKey)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, fmt.Errorf("field %s: must not be empty", FieldKey)
	}
	if !res.HasCache(cache) {
		return nil, fmt.Errorf("field %s: cache resource %q is not defined", FieldCache, cache)
	}
	return &Store{res: res, cache: cache, key: key}, nil
}

// NewStore returns a Store for key in the named cache resource.
func NewStore(res *service.Resources, cache, key string) *Store {
	return &Store{res: res, cache: cache, key: key}
}

// Load returns the stored cursor, or the zero Cursor and false when none
// is stored. An unreadable cache, an unknown version or a corrupt value is
// an error naming the cache and key: the input must not silently restart
// from the beginning.
func (s *Store) Load(ctx context.Context) (Cursor, bool, error) {
	var (
		raw    []byte
		getErr error
	)
	if err := s.res.AccessCache(ctx, s.cache, func(c service.Cache) {
		raw, getErr = c.Get(ctx, s.key)
	}); err != nil {
		return Cursor{}, false, fmt.Errorf("loading checkpoint %q: accessing cache %q: %w", s.key, s.cache, err)
	}
	if errors.Is(getErr, service.ErrKeyNotFound) {
		return Cursor{}, false, nil
	}
	if getErr != nil {
		return Cursor{}, false, fmt.Errorf("loading checkpoint %q from cache %q: %w", s.key, s.cache, getErr)
	}
	c, err := Decode(raw)
	if err != nil {
		return Cursor{}, false, fmt.Errorf("loading checkpoint %q from cache %q: %w", s.key, s.cache, err)
	}
	return c, true, nil
}

// Decode parses a stored cursor. Any failure wraps ErrCorrupt or
// ErrUnknownVersion.
func Decode(raw []byte) (Cursor, error) {
	if !json.Valid(raw) {
		return Cursor{}, fmt.Errorf("%w: not JSON", ErrCorrupt)
	}
	var c Cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return Cursor{}, err
	}
	return c, nil
}

// Save stores c, with no expiry.
func (s *Store) Save(ctx context.Context, c Cursor) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding checkpoint %q: %w", s.key, err)
	}
	var setErr error
	if err := s.res.AccessCache(ctx, s.cache, func(cc service.Cache) {
		setErr = cc.Set(ctx, s.key, raw, nil)
	}); err != nil {
		return fmt.Errorf("saving checkpoint %q: accessing cache %q: %w", s.key, s.cache, err)
	}
	if setErr != nil {
		return fmt.Errorf("saving checkpoint %q to cache %q: %w", s.key, s.cache, setErr)
	}
	return nil
}
