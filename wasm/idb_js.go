//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"oxlite/wasm/idbvfs"
)

// idbStore is the IndexedDB side of the store: the JS helpers of sw.js
// (oxliteHooks.idb: open, load, flush, drop) awaited from goroutines.
// Database "oxlite-16k" holds object store "chunks" (chunk index → 16 KiB
// Uint8Array) and "meta" (key "size" → the file size).
type idbStore struct {
	api  js.Value
	name string
	db   js.Value
}

func openIDB(hooks js.Value, name string) (*idbStore, error) {
	api := hooks.Get("idb")
	if api.Type() != js.TypeObject {
		return nil, errors.New("oxliteHooks.idb is missing")
	}
	s := &idbStore{api: api, name: name}
	return s, s.open()
}

// preloaded takes the store sw.js read while the wasm compiled, when it
// is this database in this chunk size (ok false otherwise); ms is how
// long sw.js took to read it.
func preloaded(hooks js.Value, name string) (s *idbStore, size int64, img []byte, ms float64, ok bool) {
	if hooks.Get("preload").Type() != js.TypeFunction {
		return nil, 0, nil, 0, false
	}
	v, err := await(hooks.Call("preload"))
	if err != nil || v.Type() != js.TypeObject || v.Get("name").String() != name || v.Get("chunk").Int() != idbvfs.ChunkSize {
		return nil, 0, nil, 0, false
	}
	s = &idbStore{api: hooks.Get("idb"), name: name, db: v.Get("db")}
	arr := v.Get("bytes")
	img = make([]byte, arr.Length())
	js.CopyBytesToGo(img, arr)
	return s, int64(v.Get("size").Float()), img, v.Get("ms").Float(), true
}

func (s *idbStore) open() error {
	db, err := await(s.api.Call("open", s.name))
	if err != nil {
		return fmt.Errorf("opening IndexedDB %q: %w", s.name, err)
	}
	s.db = db
	return nil
}

// load reads the stored file: its size and the chunks laid end to end.
func (s *idbStore) load() (int64, []byte, error) {
	v, err := await(s.api.Call("load", s.db, idbvfs.ChunkSize))
	if err != nil {
		return 0, nil, fmt.Errorf("reading IndexedDB %q: %w", s.name, err)
	}
	size := int64(v.Get("size").Float())
	arr := v.Get("bytes")
	img := make([]byte, arr.Length())
	js.CopyBytesToGo(img, arr)
	return size, img, nil
}

// Flush implements idbvfs.Backend: one readwrite transaction (durability
// strict) with the chunks, the deletions and the size.
func (s *idbStore) Flush(f *idbvfs.Flush) error {
	puts := js.Global().Get("Array").New(len(f.Chunks))
	for i, c := range f.Chunks {
		arr := jsUint8Array.New(len(c.Data))
		js.CopyBytesToJS(arr, c.Data)
		pair := js.Global().Get("Array").New(2)
		pair.SetIndex(0, c.Index)
		pair.SetIndex(1, arr)
		puts.SetIndex(i, pair)
	}
	_, err := await(s.api.Call("flush", s.db, f.Size, f.Keep, puts))
	if err != nil {
		var pe errPromise
		if errors.As(err, &pe) && pe.name() == "QuotaExceededError" {
			return &idbvfs.QuotaError{Err: err}
		}
		return err
	}
	return nil
}

// drop deletes the database and opens it again, empty.
func (s *idbStore) drop(ctx context.Context) error {
	if _, err := await(s.api.Call("drop", s.db, s.name)); err != nil {
		return fmt.Errorf("deleting IndexedDB %q: %w", s.name, err)
	}
	return s.open()
}
