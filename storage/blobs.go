package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
)

// Blobs keeps file contents (attachments, pictures) outside the rows that
// reference them. Keys are random, so each blob has exactly one owner row:
// the owner puts the blob before its transaction commits (and deletes it
// again if the transaction fails) and deletes it after the row is gone.
type Blobs interface {
	Put(ctx context.Context, data []byte) (key string, err error)
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// NewBlobKey returns a fresh random key (32 hex characters).
func NewBlobKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// ValidBlobKey reports whether key has the shape NewBlobKey produces, so a
// key never names a path outside the store.
func ValidBlobKey(key string) bool {
	if len(key) != 32 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// SQLBlobs stores blobs in the database itself (the browser's store, and
// tests).
type SQLBlobs struct{ DB *DB }

// Put implements Blobs.
func (s SQLBlobs) Put(ctx context.Context, data []byte) (string, error) {
	key := NewBlobKey()
	if data == nil {
		data = []byte{}
	}
	_, err := s.DB.Exec(ctx, `INSERT INTO blobs(key, data) VALUES(?, ?)`, key, data)
	return key, err
}

// Get implements Blobs.
func (s SQLBlobs) Get(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := s.DB.QueryRow(ctx, `SELECT data FROM blobs WHERE key = ?`, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return data, err
}

// Delete implements Blobs.
func (s SQLBlobs) Delete(ctx context.Context, key string) error {
	_, err := s.DB.Exec(ctx, `DELETE FROM blobs WHERE key = ?`, key)
	return err
}
