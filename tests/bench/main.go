// Command bench measures the API against two baselines from the same run
// (DESIGN.md §6): a minimal net/http handler that runs the same SQLite
// queries through the same driver and writes the same bytes, and a bare
// handler that writes the bytes from memory.
//
//	go run ./tests/bench [-duration 3s] [-c 16] [-only name]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"oxlite/core/app"
	"oxlite/core/provision"
	"oxlite/storage"
)

var (
	duration = flag.Duration("duration", 3*time.Second, "measuring time per figure")
	conc     = flag.Int("c", 16, "concurrent clients")
	only     = flag.String("only", "", "run only benchmarks whose name contains this")
	showSQL  = flag.Bool("sql", false, "print the statements each benchmarked request runs")
	cpuProf  = flag.String("cpuprofile", "", "write a CPU profile of the measuring (not the setup) to this file")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Endpoint is one request to measure.
type Endpoint struct {
	Name   string
	Method string
	Path   func() string // below /ajax, with query (session added); built after setup
	Body   func() string
	// Target is the minimum ratio to the SQL baseline (0: reported alone).
	Target float64
}

// Env is a running server with a logged-in client.
type Env struct {
	DB      *storage.DB
	App     *app.App
	URL     string
	Session string
	Cookies []*http.Cookie
	UA      string
	Setup   func(*Env) error
}

func run() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "oxlite-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := storage.Open(ctx, storage.Options{DSN: storage.FileDSN(filepath.Join(dir, "bench.db"))})
	if err != nil {
		return err
	}
	defer db.Close()
	svc := provision.Service{DB: db}
	if _, _, err := svc.EnsureDefault(ctx); err != nil {
		return err
	}
	c, err := db.ContextByName(ctx, provision.DefaultContext)
	if err != nil {
		return err
	}
	if _, err := svc.AddUser(ctx, c.ID, provision.NewUser{Login: "bench", Password: "bench-pw", DisplayName: "Bench User", Email: "bench@example.com"}); err != nil {
		return err
	}
	cfg := app.Defaults()
	cfg.CookieSalt = "bench-salt"
	a := app.New(db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	mux.Handle("/ajax/", http.StripPrefix("/ajax", a.Handler()))
	url, stop, err := listen(mux)
	if err != nil {
		return err
	}
	defer stop()
	env := &Env{DB: db, App: a, URL: url, UA: "oxlite-bench"}
	if err := env.login("bench", "bench-pw"); err != nil {
		return err
	}
	for _, s := range setups {
		if err := s(env); err != nil {
			return err
		}
	}
	// As the server's hourly maintenance would have by now: statistics of
	// the tables the setup filled.
	if err := db.Optimize(ctx); err != nil {
		return err
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("oxlite bench: concurrency %d, %s per figure, GOMAXPROCS=%d\n\n", *conc, *duration, runtimeProcs())
	fmt.Printf("%-34s %10s %8s %8s | %10s %8s | %10s | %7s %s\n", "benchmark", "req/s", "p50", "p99", "sql-base", "p50", "bare", "ratio", "target")
	for _, ep := range endpoints {
		if *only != "" && !strings.Contains(ep.Name, *only) {
			continue
		}
		if err := env.measure(ep); err != nil {
			return fmt.Errorf("%s: %w", ep.Name, err)
		}
	}
	for _, x := range extras {
		if *only != "" && !strings.Contains(x.Name, *only) {
			continue
		}
		if err := x.Run(env); err != nil {
			return fmt.Errorf("%s: %w", x.Name, err)
		}
	}
	return nil
}

// Extra is a benchmark that reports a figure alone (no baselines).
type Extra struct {
	Name string
	Run  func(*Env) error
}

var (
	setups    []func(*Env) error
	endpoints []Endpoint
	extras    []Extra
)

func runtimeProcs() int { return int(procs()) }

func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

func (e *Env) login(name, pw string) error {
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/ajax/login", strings.NewReader(url.Values{"action": {"login"}, "name": {name}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", e.UA)
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	s := string(body)
	i := strings.Index(s, `"session":"`)
	if i < 0 {
		return fmt.Errorf("login failed: %s", s)
	}
	e.Session = s[i+11 : i+11+32]
	e.Cookies = resp.Cookies()
	return nil
}

func (e *Env) request(base string, ep Endpoint) *http.Request {
	path := ep.Path()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var body io.Reader
	bodyText := ""
	if ep.Body != nil {
		bodyText = ep.Body()
		body = strings.NewReader(bodyText)
	}
	req, _ := http.NewRequest(ep.Method, base+"/ajax/"+path+sep+"session="+e.Session, body)
	req.Header.Set("User-Agent", e.UA)
	if bodyText != "" {
		req.Header.Set("Content-Type", "text/javascript; charset=UTF-8")
	}
	for _, c := range e.Cookies {
		req.AddCookie(c)
	}
	return req
}

type stmt struct {
	q    string
	args []any
}

// capture runs one request with statement tracing and returns the answer
// and the read statements it ran.
func (e *Env) capture(ep Endpoint) ([]byte, http.Header, []stmt, error) {
	var mu sync.Mutex
	var stmts []stmt
	e.DB.SetTrace(func(q string, args []any) {
		if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(q)), "SELECT") {
			return
		}
		mu.Lock()
		stmts = append(stmts, stmt{q, slices.Clone(args)})
		mu.Unlock()
	})
	defer e.DB.SetTrace(nil)
	resp, err := http.DefaultClient.Do(e.request(e.URL, ep))
	if err != nil {
		return nil, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, nil, err
	}
	if resp.StatusCode != 200 || strings.Contains(string(body), `"error":`) {
		return nil, nil, nil, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, body)
	}
	return body, resp.Header, stmts, nil
}

// sqlBaseline runs the captured queries through the same driver, scanning
// every row, and writes the captured bytes.
func sqlBaseline(db *storage.DB, stmts []stmt, body []byte, hdr http.Header) http.Handler {
	ct := hdr.Get("Content-Type")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		for _, s := range stmts {
			rows, err := db.SQL.QueryContext(r.Context(), s.q, s.args...)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				_ = rows.Scan(ptrs...)
			}
			rows.Close()
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	})
}

func bareBaseline(body []byte, hdr http.Header) http.Handler {
	ct := hdr.Get("Content-Type")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(body)
	})
}

// Figure is one load measurement.
type Figure struct {
	RPS      float64
	P50, P99 time.Duration
}

// load sends requests from conc clients for the duration.
func load(mk func() *http.Request) (Figure, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	warm := time.Now().Add(*duration / 5)
	for time.Now().Before(warm) {
		if err := once(cl, mk()); err != nil {
			return Figure{}, err
		}
	}
	var n atomic.Int64
	var failed atomic.Value
	lat := make([][]time.Duration, *conc)
	deadline := time.Now().Add(*duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := once(cl, mk()); err != nil {
					failed.Store(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
				n.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return Figure{}, err
	}
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	f := Figure{RPS: float64(n.Load()) / elapsed.Seconds()}
	if len(all) > 0 {
		f.P50 = all[len(all)/2]
		f.P99 = all[len(all)*99/100]
	}
	return f, nil
}

func once(cl *http.Client, req *http.Request) error {
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func (e *Env) measure(ep Endpoint) error {
	body, hdr, stmts, err := e.capture(ep)
	if err != nil {
		return err
	}
	if *showSQL {
		for _, s := range stmts {
			fmt.Printf("    %s %v\n", strings.Join(strings.Fields(s.q), " "), s.args)
		}
	}
	ox, err := load(func() *http.Request { return e.request(e.URL, ep) })
	if err != nil {
		return err
	}
	sqlURL, stopSQL, err := listen(sqlBaseline(e.DB, stmts, body, hdr))
	if err != nil {
		return err
	}
	base, err := load(func() *http.Request { return e.request(sqlURL, ep) })
	stopSQL()
	if err != nil {
		return err
	}
	bareURL, stopBare, err := listen(bareBaseline(body, hdr))
	if err != nil {
		return err
	}
	bare, err := load(func() *http.Request { return e.request(bareURL, ep) })
	stopBare()
	if err != nil {
		return err
	}
	ratio := ox.RPS / base.RPS
	verdict := ""
	if ep.Target > 0 {
		verdict = fmt.Sprintf("≥%.2f ", ep.Target)
		if ratio >= ep.Target {
			verdict += "met"
		} else {
			verdict += "MISSED"
		}
	}
	fmt.Printf("%-34s %10.0f %8s %8s | %10.0f %8s | %10.0f | %7.2f %s\n", ep.Name, ox.RPS, ms(ox.P50), ms(ox.P99),
		base.RPS, ms(base.P50), bare.RPS, ratio, verdict)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
