//go:build !js

package contacts

import (
	"bytes"
	"image"
	_ "image/gif" // registers the decoders pictures are checked with
	_ "image/jpeg"
	_ "image/png"
)

// maxPixels bounds the dimensions of a picture: every upload is decoded
// completely to prove it is one, and a small file may unpack into a huge
// bitmap. 4096×4096 is far above what an avatar needs.
const maxPixels = 16 << 20

// decodePicture proves data is a whole JPEG, PNG or GIF image of sensible
// dimensions and returns its format.
func decodePicture(data []byte) (string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", ErrNotValidImage.New()
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return "", ErrImageTooLarge.New(px, maxPixels)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return "", ErrNotValidImage.New()
	}
	return format, nil
}
