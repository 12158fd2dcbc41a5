package storage

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func testBlobs(t *testing.T, b Blobs) {
	ctx := context.Background()
	key, err := b.Put(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !ValidBlobKey(key) {
		t.Fatalf("key %q", key)
	}
	got, err := b.Get(ctx, key)
	if err != nil || !bytes.Equal(got, []byte("hello")) {
		t.Fatalf("get: %q %v", got, err)
	}
	if err := b.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted blob: %v", err)
	}
	if err := b.Delete(ctx, key); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := b.Get(ctx, "../../etc/passwd"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bad key: %v", err)
	}
}

func TestSQLBlobs(t *testing.T) {
	db, err := Open(context.Background(), Options{DSN: MemoryDSN("blobs-test")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	testBlobs(t, SQLBlobs{DB: db})
}
