package api

import (
	"net/http"
	"testing"
)

// An image URL without a usable session answers 400 (spec L3370–3503), so
// the browser shows a broken image instead of parsing JSON.
func TestImageWithoutSessionIs400(t *testing.T) {
	s := StartServer(t)
	uid := s.AddUser("ivy", "pw-ivy")
	anonymous := s.NewClient()
	for _, path := range []string{"image/user/picture?id=" + itoaTest(uid), "image/contact/picture?folder=6&id=1"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/ajax/"+path, nil)
		r := anonymous.Raw(req)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%s without cookies: HTTP %d %s", path, r.Status, r.Body)
		}
	}
}
