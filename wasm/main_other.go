//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main exists so the package builds (and its bridge tests run) natively;
// the real entry is main_js.go.
func main() {
	fmt.Fprintln(os.Stderr, "oxlite/wasm is the service-worker build: make wasm (GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
