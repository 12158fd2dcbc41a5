//go:build js

package contacts

import (
	"net/http"
	"strings"
)

// decodePicture checks only the signature in the service worker: the image
// decoders would cost the worker's download budget, and the server decodes
// the picture completely when the change is pushed.
func decodePicture(data []byte) (string, error) {
	switch ct := http.DetectContentType(data); {
	case ct == "image/jpeg", ct == "image/png", ct == "image/gif":
		return strings.TrimPrefix(ct, "image/"), nil
	}
	return "", ErrNotValidImage.New()
}
