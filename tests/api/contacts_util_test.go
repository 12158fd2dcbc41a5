package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The address book UI's column lists (appsuite-ui-calls.md §4.3).
const (
	conAllCols    = "20,1,101,607"
	conListCols   = "20,1,101,500,501,502,505,520,524,555,556,557,569,592,602,606,607,5,2"
	conSearchCols = "20,1,500,501,502,505,520,555,556,557,569,602,606,524,592"
	conFarFuture  = "2116800000000"
)

// conEnv is a server with the context admin, alice and bob.
type conEnv struct {
	s                 *Server
	admin, alice, bob *Client
	// aliceFolder and bobFolder are the users' default contact folders.
	aliceFolder, bobFolder int64
}

func conSetup(t *testing.T) *conEnv {
	t.Helper()
	s, admin, alice, bob := ugUsers(t)
	e := &conEnv{s: s, admin: admin, alice: alice, bob: bob}
	e.aliceFolder = conDefaultFolder(t, alice)
	e.bobFolder = conDefaultFolder(t, bob)
	return e
}

// conDefaultFolder finds the caller's default contacts folder.
func conDefaultFolder(t *testing.T, c *Client) int64 {
	t.Helper()
	res := MustOK(t, c.Get("folders", "action", "list", "parent", "1", "tree", "1", "columns", "1,301,308"))
	for _, r := range res.Data().([]any) {
		row := r.([]any)
		if row[1] == "contacts" && row[2] == true {
			var id int64
			fmt.Sscan(row[0].(string), &id)
			return id
		}
	}
	t.Fatalf("no default contacts folder: %s", res.Body)
	return 0
}

// conFolder creates a contacts folder below parent ("1" private, "2"
// public) and returns its id.
func conFolder(t *testing.T, c *Client, parent, title string) int64 {
	t.Helper()
	id := fldNew(t, c, parent, map[string]any{"module": "contacts", "title": title})
	var n int64
	fmt.Sscan(id, &n)
	return n
}

// conShare gives entity the permission bits on folder (owner keeps all).
func conShare(t *testing.T, owner *Client, folder int64, bits int, entity int64) {
	t.Helper()
	MustOK(t, fldUpdate(owner, ugS(folder), map[string]any{"permissions": []any{
		fldPerm(fldAllBits, owner.UserID, false), fldPerm(bits, entity, false)}}))
}

// Permission bits: read-only sharing and read-write sharing.
const (
	conReadOnly  = 1 | 2<<7                 // see folder, read all
	conReadWrite = 2 | 2<<7 | 2<<14 | 2<<21 // create, read/write/delete all
	conOwnOnly   = 2 | 1<<7 | 1<<14 | 1<<21 // create, read/write/delete own
)

// conNew creates a contact and returns its id and the answer's timestamp.
func conNew(t *testing.T, c *Client, body map[string]any) (int64, int64) {
	t.Helper()
	res := MustOK(t, c.Put("contacts", body, "action", "new", "timezone", "UTC"))
	obj := ugObj(t, res)
	return ugNum(t, obj["id"]), ugTS(t, res)
}

// conGet reads one contact.
func conGet(t *testing.T, c *Client, folder, id int64) (map[string]any, int64) {
	t.Helper()
	res := c.Get("contacts", "action", "get", "id", ugS(id), "folder", ugS(folder), "timezone", "UTC")
	return ugObj(t, res), ugTS(t, res)
}

// conRows runs a column request and maps each row by column id.
func conRows(t *testing.T, res *Result, cols string) []map[int]any {
	t.Helper()
	arr := ugArr(t, res)
	var ids []int
	for _, s := range strings.Split(cols, ",") {
		var n int
		fmt.Sscan(s, &n)
		ids = append(ids, n)
	}
	out := make([]map[int]any, 0, len(arr))
	for _, r := range arr {
		row, ok := r.([]any)
		if !ok {
			t.Fatalf("row is not an array: %s", res.Body)
		}
		if len(row) != len(ids) {
			t.Fatalf("row has %d values for %d columns: %v", len(row), len(ids), row)
		}
		m := map[int]any{}
		for i, id := range ids {
			m[id] = row[i]
		}
		out = append(out, m)
	}
	return out
}

// conIDs lists column 1 of rows.
func conIDs(t *testing.T, rows []map[int]any) []int64 {
	t.Helper()
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = ugNum(t, r[1])
	}
	return out
}

func conHas(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// conPNG makes a real w×h PNG.
func conPNG(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var conCallbackRe = regexp.MustCompile(`\((\{.*\})\)`)

// conUpload sends a multipart POST with a json part and an optional file
// part, as the UI's fixPost uploads do, and decodes the HTML callback.
func conUpload(t *testing.T, c *Client, module string, params url.Values, js string, file []byte, filename string) *Result {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if js != "" {
		_ = mw.WriteField("json", js)
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	if c.Session != "" {
		params.Set("session", c.Session)
	}
	req, err := http.NewRequest(http.MethodPost, c.Srv.URL+c.Base+"/"+module+"?"+params.Encode(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := c.Raw(req)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("upload answer is not the HTML callback: %s %s", res.Header.Get("Content-Type"), res.Body)
	}
	m := conCallbackRe.FindSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no callback JSON in %s", res.Body)
	}
	res.Obj = nil
	if err := json.Unmarshal(m[1], &res.Obj); err != nil {
		t.Fatalf("callback JSON: %v in %s", err, res.Body)
	}
	return res
}

// conDownload fetches a URL below the server root with the client's
// cookies only (no session parameter), as an <img> element does.
func conDownload(t *testing.T, c *Client, path string, header ...string) *Result {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.Raw(req)
}
