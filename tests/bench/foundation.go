package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The foundation's figures: folder list, config tree, a multiple of five
// reads, and login alone.
func init() {
	endpoints = append(endpoints,
		Endpoint{Name: "folders list tree=1", Method: http.MethodGet, Target: 0.5,
			Path: fixed("folders?action=list&parent=1&tree=1&altNames=true&timezone=UTC&columns=1,2,3,4,5,6,20,23,300,301,302,304,305,306,307,308,309,310,311,312,313,314,315,316,317,3010,3020,3030,3050")},
		Endpoint{Name: "config GET", Method: http.MethodGet, Path: fixed("config"), Target: 0.5},
		Endpoint{Name: "multiple of 5 reads", Method: http.MethodPut, Path: fixed("multiple"), Target: 0.5,
			Body: fixed(`[{"module":"folders","action":"get","id":"1","tree":"1"},{"module":"folders","action":"list","parent":"1","tree":"1","columns":"1,20,300,301,302,305"},{"module":"config/folder/contacts"},{"module":"user/me"},{"module":"jslob","action":"list","data":["io.ox/core"]}]`)},
	)
	extras = append(extras, Extra{Name: "login", Run: benchLogin})
}

// benchLogin reports login throughput alone: argon2id hashing dominates it
// by design.
func benchLogin(e *Env) error {
	form := url.Values{"action": {"login"}, "name": {"bench"}, "password": {"bench-pw"}}.Encode()
	var n atomic.Int64
	var failed atomic.Value
	d := *duration
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodPost, e.URL+"/ajax/login", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("User-Agent", e.UA)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), `"session"`) {
					failed.Store(fmt.Errorf("login failed: %s", b))
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	fmt.Printf("%-34s %10.1f   (argon2id per login; reported alone)\n", "login", float64(n.Load())/time.Since(start).Seconds())
	return nil
}

func fixed(s string) func() string { return func() string { return s } }
