// Package web holds the static assets: the web client, the service worker
// glue and (when `make wasm` built it) the service-worker wasm.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// FS is the asset tree.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}

// Handler serves the assets.
func Handler() http.Handler { return HandlerFS(FS()) }

// HandlerFS serves the assets of fsys. A file with a brotli twin
// (`oxlite.wasm` and `oxlite.wasm.br`, written by `make wasm`) is sent
// compressed to clients that accept br: 3.9 MB instead of 20 MB.
func HandlerFS(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	var etags sync.Map // file name → strong ETag
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name != "" && !strings.HasSuffix(name, ".br") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if servePrecompressed(w, r, fsys, name, &etags) {
				return
			}
		}
		revalidate(w, r, fsys, name, &etags)
		files.ServeHTTP(w, r)
	})
}

// servePrecompressed answers from name+".br" when it exists. It sets a
// content ETag so browsers revalidate instead of refetching: V8 keeps its
// compiled code for a wasm whose bytes did not change (wasm-spike.md).
func servePrecompressed(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string, etags *sync.Map) bool {
	br, err := fsys.Open(name + ".br")
	if err != nil {
		return false
	}
	defer br.Close()
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "no-cache")
	rs, ok := br.(io.ReadSeeker)
	if !ok || !acceptsBrotli(r.Header.Get("Accept-Encoding")) {
		// The file server sends the plain file and honours this ETag.
		if tag, err := etagOf(etags, fsys, name); err == nil {
			h.Set("ETag", tag)
		}
		return false
	}
	tag, err := etagOf(etags, fsys, name+".br")
	if err != nil {
		return false
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Encoding", "br")
	h.Set("ETag", tag)
	// ServeContent leaves out Content-Length for encoded bodies; ranges
	// of a compressed body are useless to a browser, so send it whole and
	// with its length.
	if size, err := rs.Seek(0, io.SeekEnd); err == nil {
		if _, err := rs.Seek(0, io.SeekStart); err == nil {
			h.Set("Content-Length", strconv.FormatInt(size, 10))
		}
	}
	r = r.Clone(r.Context())
	r.Header.Del("Range")
	http.ServeContent(w, r, name, time.Time{}, rs)
	return true
}

// acceptsBrotli reads Accept-Encoding; `br;q=0` refuses it.
func acceptsBrotli(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "br") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if v, ok := strings.CutPrefix(strings.ToLower(q), "q="); ok && strings.Trim(v, "0.") == "" {
			return false
		}
		return true
	}
	return false
}

func etagOf(cache *sync.Map, fsys fs.FS, name string) (string, error) {
	if v, ok := cache.Load(name); ok {
		return v.(string), nil
	}
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", err
	}
	tag := `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
	cache.Store(name, tag)
	return tag, nil
}

// revalidate gives every asset a content ETag and `no-cache`: embedded
// files have no modification time, so without it a browser (and the
// service worker's precache) would refetch the client on every load, and
// with a max-age it would keep a stale client after an upgrade.
func revalidate(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string, etags *sync.Map) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	if h.Get("ETag") != "" {
		return
	}
	if name == "" || strings.HasSuffix(r.URL.Path, "/") {
		name = path.Join(name, "index.html")
	}
	if tag, err := etagOf(etags, fsys, name); err == nil {
		h.Set("ETag", tag)
	}
}
