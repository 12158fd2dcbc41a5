package contacts

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// picture is an uploaded image, checked and typed.
type picture struct {
	data        []byte
	contentType string
}

// checkPicture verifies that data is a JPEG, PNG or GIF image within the
// size limit and returns its content type.
func (m *Module) checkPicture(data []byte) (*picture, error) {
	if int64(len(data)) > m.maxImage() {
		return nil, ErrImageTooLarge.New(len(data), m.maxImage())
	}
	if len(data) == 0 {
		return nil, ErrNotValidImage.New()
	}
	format, err := decodePicture(data)
	if err != nil {
		return nil, err
	}
	return &picture{data: data, contentType: "image/" + format}, nil
}

// uploadedPicture reads the `file` part of a multipart request; nil when
// there is none.
func (m *Module) uploadedPicture(req *protocol.Request) (*picture, error) {
	if req.Multipart == nil {
		return nil, nil
	}
	files := req.Multipart.File["file"]
	if len(files) == 0 {
		return nil, nil
	}
	fh := files[0]
	if fh.Size > m.maxImage() {
		return nil, ErrImageTooLarge.New(fh.Size, m.maxImage())
	}
	f, err := fh.Open()
	if err != nil {
		return nil, protocol.ErrIO.New("reading the upload failed")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, m.maxImage()+1))
	if err != nil {
		return nil, protocol.ErrIO.New("reading the upload failed")
	}
	return m.checkPicture(data)
}

// base64Picture decodes the image1 field of a JSON body (standard or URL
// base64, optionally as a data: URL).
func (m *Module) base64Picture(s string) (*picture, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "data:") {
		if i := strings.Index(s, ","); i >= 0 {
			s = s[i+1:]
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	var data []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, ErrNotValidImage.New()
	}
	return m.checkPicture(data)
}

// imageEdit is a pending change of a contact's picture: a new picture
// (stored in the blob store before the transaction) or its removal.
type imageEdit struct {
	m      *Module
	remove bool
	pic    *picture
	key    string
	oldKey string
}

// stage stores a new picture before the transaction.
func (e *imageEdit) stage(ctx context.Context) error {
	if e == nil || e.pic == nil {
		return nil
	}
	if e.m.Blobs == nil {
		return protocol.Internal(errors.New("contacts: no blob store"))
	}
	key, err := e.m.Blobs.Put(ctx, e.pic.data)
	if err != nil {
		return protocol.Internal(err)
	}
	e.key = key
	return nil
}

// apply sets the picture columns of c inside the transaction.
func (e *imageEdit) apply(tx *storage.Tx, c *storage.ContactRow) error {
	if e == nil {
		return nil
	}
	if e.remove && c.ImageKey == "" {
		return nil
	}
	stamp, err := tx.Stamp()
	if err != nil {
		return protocol.Internal(err)
	}
	e.oldKey = c.ImageKey
	if e.pic != nil {
		c.ImageKey, c.ImageType = e.key, e.pic.contentType
	} else {
		c.ImageKey, c.ImageType = "", ""
	}
	c.ImageModified = stamp
	return nil
}

// changes reports whether the edit does anything to c.
func (e *imageEdit) changes(c *storage.ContactRow) bool {
	return e != nil && (e.pic != nil || (e.remove && c.ImageKey != ""))
}

// done deletes the new blob when the transaction failed and the replaced
// one when it committed.
func (e *imageEdit) done(ctx context.Context, committed bool) {
	if e == nil {
		return
	}
	if committed {
		e.m.dropBlobs(ctx, e.oldKey)
	} else {
		e.m.dropBlobs(ctx, e.key)
	}
}

// Picture is a stored contact picture.
type Picture struct {
	Data        []byte
	ContentType string
	// Modified is the sequence value of the picture's last change; Key
	// identifies the stored bytes (both make good ETags).
	Modified int64
	Key      string
}

func (m *Module) loadPicture(ctx context.Context, c *storage.ContactRow) (*Picture, error) {
	if c.ImageKey == "" || m.Blobs == nil {
		return nil, nil
	}
	data, err := m.Blobs.Get(ctx, c.ImageKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, protocol.Internal(err)
	}
	return &Picture{Data: data, ContentType: c.ImageType, Modified: c.ImageModified, Key: c.ImageKey}, nil
}

// ContactPicture returns the picture of contact id in folder as the caller
// may see it: (nil, nil) when the contact has none, CON-0125 when the
// contact does not exist there, folder errors or CON-0104 without read
// access.
func (m *Module) ContactPicture(ctx context.Context, u *protocol.User, folder, id int64) (*Picture, error) {
	c, err := m.readContact(ctx, u, folder, id)
	if err != nil {
		return nil, err
	}
	return m.loadPicture(ctx, c)
}

// UserPicture returns the picture of user uid's entry in the global
// address book.
func (m *Module) UserPicture(ctx context.Context, u *protocol.User, uid int64) (*Picture, error) {
	c, err := m.userContact(ctx, u, uid)
	if err != nil {
		return nil, err
	}
	return m.loadPicture(ctx, c)
}

// ImageEdit is a pending change of a user's picture made through the user
// module, which writes the contact row itself.
type ImageEdit struct{ e *imageEdit }

// UserImageEdit reads a picture change from a user update: the `file`
// part of an upload, or image1 in the body (null or "" removes the
// picture, a base64 string sets one). It stores a new picture in the blob
// store; nil means no change.
func (m *Module) UserImageEdit(ctx context.Context, req *protocol.Request, body map[string]any) (*ImageEdit, error) {
	e, err := m.imageEditOf(req, body)
	if err != nil || e == nil {
		return nil, err
	}
	if err := e.stage(ctx); err != nil {
		return nil, err
	}
	return &ImageEdit{e: e}, nil
}

// Apply sets the picture columns of c inside the transaction and reports
// whether c changed.
func (x *ImageEdit) Apply(tx *storage.Tx, c *storage.ContactRow) (bool, error) {
	if x == nil {
		return false, nil
	}
	if !x.e.changes(c) {
		return false, nil
	}
	return true, x.e.apply(tx, c)
}

// Done cleans up after the transaction (committed or not).
func (x *ImageEdit) Done(ctx context.Context, committed bool) {
	if x != nil {
		x.e.done(ctx, committed)
	}
}

// imageEditOf reads the picture change of a write: the uploaded file wins
// over image1 in the JSON body.
func (m *Module) imageEditOf(req *protocol.Request, body map[string]any) (*imageEdit, error) {
	if req != nil {
		pic, err := m.uploadedPicture(req)
		if err != nil {
			return nil, err
		}
		if pic != nil {
			return &imageEdit{m: m, pic: pic}, nil
		}
	}
	v, has := body["image1"]
	if !has {
		return nil, nil
	}
	switch x := v.(type) {
	case nil:
		return &imageEdit{m: m, remove: true}, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return &imageEdit{m: m, remove: true}, nil
		}
		pic, err := m.base64Picture(x)
		if err != nil {
			return nil, err
		}
		return &imageEdit{m: m, pic: pic}, nil
	}
	return nil, protocol.ErrInvalidValue.New("image1", "must be null or a base64 string")
}

// PictureResponse answers a picture download: the bytes with their type,
// an ETag and caching headers; a matching If-None-Match gets 304. A nil
// picture is 404 without body.
func PictureResponse(req *protocol.Request, pic *Picture) *protocol.Response {
	if pic == nil {
		return StatusResponse(http.StatusNotFound)
	}
	etag := `"` + pic.Key + `"`
	h := http.Header{}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, max-age=3600")
	if pic.Modified > 0 {
		h.Set("Last-Modified", time.UnixMilli(pic.Modified).UTC().Format(http.TimeFormat))
	}
	if req.HTTP != nil {
		for _, t := range strings.Split(req.HTTP.Header.Get("If-None-Match"), ",") {
			if t = strings.TrimSpace(t); t == etag || t == "*" || t == "W/"+etag {
				return &protocol.Response{Raw: &protocol.RawResponse{Status: http.StatusNotModified, Header: h}}
			}
		}
	}
	ct := pic.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &protocol.Response{Raw: &protocol.RawResponse{Status: http.StatusOK, ContentType: ct, Header: h, Body: pic.Data}}
}

// StatusResponse is an empty answer with an HTTP status (the image and
// halo picture endpoints answer 400 and 404 that way).
func StatusResponse(status int) *protocol.Response {
	h := http.Header{}
	h.Set("Cache-Control", "no-store")
	return &protocol.Response{Raw: &protocol.RawResponse{Status: status, ContentType: "text/plain; charset=UTF-8", Header: h}}
}
