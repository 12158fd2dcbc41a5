//go:build !js

package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DirBlobs stores each blob as a file below Dir (the native server's data
// directory), two levels of fan-out by key prefix.
type DirBlobs struct{ Dir string }

func (d DirBlobs) path(key string) (string, error) {
	if !ValidBlobKey(key) {
		return "", fmt.Errorf("storage: invalid blob key %q", key)
	}
	return filepath.Join(d.Dir, key[:2], key), nil
}

// Put implements Blobs: the file is written under a temporary name and
// renamed, so a reader never sees a partial blob.
func (d DirBlobs) Put(ctx context.Context, data []byte) (string, error) {
	key := NewBlobKey()
	p, _ := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return key, nil
}

// Get implements Blobs.
func (d DirBlobs) Get(ctx context.Context, key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, ErrNotFound
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return data, err
}

// Delete implements Blobs; a missing blob is not an error.
func (d DirBlobs) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
