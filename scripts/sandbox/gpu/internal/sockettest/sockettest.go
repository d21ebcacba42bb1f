// Package sockettest gives tests a short folder for Unix sockets.
package sockettest

import (
	"os"
	"testing"
)

// Dir is a new folder removed after the test. Unix socket paths are limited to ~108 bytes, which
// t.TempDir() under a long TMPDIR and test name may exceed.
func Dir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "kmw-sock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
