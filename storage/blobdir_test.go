//go:build !js

package storage

import "testing"

func TestDirBlobs(t *testing.T) { testBlobs(t, DirBlobs{Dir: t.TempDir()}) }
