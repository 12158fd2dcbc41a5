package attachment

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"oxlite/core/protocol"
)

// inlineSafe lists the media types a browser may render in the API's own
// origin. Anything else (HTML, SVG, XML, scripts) is always sent as a
// download, so an uploaded file cannot run script with the user's session.
func inlineSafe(mediaType string) bool {
	switch {
	case mediaType == "image/svg+xml":
		return false
	case strings.HasPrefix(mediaType, "image/"), strings.HasPrefix(mediaType, "audio/"), strings.HasPrefix(mediaType, "video/"):
		return true
	}
	switch mediaType {
	case "application/pdf", "text/plain":
		return true
	}
	return false
}

// File renders a raw download: the content type as given, Content-
// Disposition with the file name (RFC 2231-encoded when it is not ASCII),
// inline only when asked for and safe.
func File(data []byte, contentType, filename string, inline bool) *protocol.Response {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		contentType, mediaType = "application/octet-stream", "application/octet-stream"
	}
	disp := "attachment"
	if inline && inlineSafe(strings.ToLower(mediaType)) {
		disp = "inline"
	}
	if filename != "" {
		if d := mime.FormatMediaType(disp, map[string]string{"filename": filename}); d != "" {
			disp = d
		}
	}
	h := http.Header{}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-cache")
	return &protocol.Response{Raw: &protocol.RawResponse{Status: http.StatusOK, ContentType: contentType, Header: h, Body: data}}
}

// CleanFilename keeps the last path segment of an uploaded name (old
// browsers send the client's full path) without control characters.
func CleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	return strings.TrimSpace(name)
}
