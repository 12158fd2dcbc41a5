package api

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const lgSalt = "login-test-salt-42"

var lgHex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// lgHash recomputes the cookie hash independently of the server: MD5 over
// User-Agent, client and salt, Base64, non-word characters removed.
func lgHash(ua, client, salt string) string {
	sum := md5.Sum([]byte(ua + client + salt))
	return regexp.MustCompile(`\W`).ReplaceAllString(base64.StdEncoding.EncodeToString(sum[:]), "")
}

func lgSecretName(ua, client string) string {
	return "open-xchange-secret-" + lgHash(ua, client, lgSalt)
}
func lgSessionName(ua, client string) string {
	return "open-xchange-session-" + lgHash(ua, client, lgSalt)
}
func lgPublicName(ua string) string { return "open-xchange-public-session-" + lgHash(ua, "", lgSalt) }

// lgSetCookies returns the cookies an answer sets, by name.
func lgSetCookies(r *Result) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		out[c.Name] = c
	}
	return out
}

// lgClient is a browser with its own User-Agent.
func lgClient(s *Server, ua string) *Client {
	c := s.NewClient()
	c.UA = ua
	return c
}

// lgLogin posts action=login and keeps the session on success.
func lgLogin(c *Client, name, pw string, extra ...string) *Result {
	c.T.Helper()
	form := url.Values{"action": {"login"}, "name": {name}, "password": {pw}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	r := c.PostForm("login", form)
	if sid, ok := r.Obj["session"].(string); ok {
		c.Session = sid
		c.UserID = int64(r.Obj["user_id"].(float64))
	}
	return r
}

// lgAlive is an authenticated call that any module set answers.
func lgAlive(c *Client) *Result {
	c.T.Helper()
	return c.Get("login", "action", "rampup")
}

func lgMustCookie(t *testing.T, set map[string]*http.Cookie, name string) *http.Cookie {
	t.Helper()
	ck := set[name]
	if ck == nil {
		names := []string{}
		for n := range set {
			names = append(names, n)
		}
		t.Fatalf("cookie %s not set; set: %v", name, names)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("cookie %s must be HttpOnly, SameSite=Lax, Path=/: %s", name, ck.Raw)
	}
	return ck
}

func lgMustExpire(t *testing.T, set map[string]*http.Cookie, name string) {
	t.Helper()
	ck := set[name]
	if ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("cookie %s must be expired by the answer (Max-Age=0): %v", name, ck)
	}
}

func TestLoginAnswerCookiesAndSessionChecks(t *testing.T) {
	s := StartServer(t, "--cookie-salt", lgSalt)
	uid := s.AddUser("alice", "pw-alice")
	c := lgClient(s, "Mozilla/5.0 (login test) Gecko/20100101")
	r := MustOK(t, lgLogin(c, "alice", "pw-alice"))

	// The answer is bare, not wrapped in data, and has no random token by default.
	if !lgHex32.MatchString(c.Session) {
		t.Fatalf("session is not 32 hex: %s", r.Body)
	}
	if r.Obj["user"] != "alice" || r.Obj["user_id"] != float64(uid) || r.Obj["locale"] != "en_US" {
		t.Fatalf("login answer: %s", r.Body)
	}
	if _, ok := r.Obj["context_id"].(float64); !ok {
		t.Fatalf("context_id missing or not a number: %s", r.Body)
	}
	for _, k := range []string{"data", "random", "error"} {
		if _, ok := r.Obj[k]; ok {
			t.Fatalf("login answer must not carry %q: %s", k, r.Body)
		}
	}

	// Secret and public cookies under the MD5 names; no session cookie before store.
	set := lgSetCookies(r)
	sec := lgMustCookie(t, set, lgSecretName(c.UA, "open-xchange-appsuite"))
	pub := lgMustCookie(t, set, lgPublicName(c.UA))
	if !lgHex32.MatchString(sec.Value) || sec.Value == c.Session {
		t.Fatalf("secret cookie value %q must be a separate 32-hex secret", sec.Value)
	}
	if !lgHex32.MatchString(pub.Value) || pub.Value == c.Session || pub.Value == sec.Value {
		t.Fatalf("public-session cookie value %q must be a separate 32-hex id", pub.Value)
	}
	if sec.MaxAge != 0 || !sec.Expires.IsZero() {
		t.Fatalf("secret cookie must end with the browser before store: %s", sec.Raw)
	}
	if _, ok := set[lgSessionName(c.UA, "open-xchange-appsuite")]; ok {
		t.Fatal("login must not set the session cookie (store does)")
	}
	MustOK(t, lgAlive(c))

	// Another client id hashes to another secret cookie.
	c2 := lgClient(s, c.UA)
	r2 := MustOK(t, lgLogin(c2, "alice", "pw-alice", "client", "com.example.other"))
	lgMustCookie(t, lgSetCookies(r2), lgSecretName(c.UA, "com.example.other"))
	MustOK(t, lgAlive(c2))

	// Per-request checks.
	MustCode(t, c.Do(http.MethodGet, "login", url.Values{"action": {"rampup"}, "nosession": {"1"}}, nil), "SES-0201")
	MustCode(t, c.Get("login", "action", "rampup", "session", strings.Repeat("ab", 16)), "SES-0203")
	MustCode(t, c.Get("login", "action", "rampup", "session", "not-a-session"), "SES-0203")
	thief := lgClient(s, c.UA)
	thief.Session = c.Session
	MustCode(t, lgAlive(thief), "SES-0206")
	u, _ := url.Parse(s.URL)
	thief.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: lgSecretName(c.UA, "open-xchange-appsuite"), Value: strings.Repeat("0", 32)}})
	MustCode(t, lgAlive(thief), "SES-0206")
	otherUA := lgClient(s, "SomethingElse/1.0")
	otherUA.HTTP.Jar = c.HTTP.Jar
	otherUA.Session = c.Session
	MustCode(t, lgAlive(otherUA), "SES-0206")

	// Failures.
	MustCode(t, lgLogin(lgClient(s, "x"), "alice", "wrong"), "LGI-0006")
	MustCode(t, lgLogin(lgClient(s, "x"), "nobody", "wrong"), "LGI-0006")
	MustCode(t, lgClient(s, "x").PostForm("login", url.Values{"action": {"login"}, "name": {"alice"}}), "SVL-0002")
	MustCode(t, lgClient(s, "x").PostForm("login", url.Values{"action": {"login"}, "password": {"pw-alice"}}), "SVL-0002")

	// A password in the query string is refused, even if correct, and opens no session.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		q := lgClient(s, "query/1.0")
		var body *strings.Reader
		if method == http.MethodPost {
			body = strings.NewReader("action=login&name=alice")
		} else {
			body = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, s.URL+"/ajax/login?action=login&name=alice&password=pw-alice", body)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res := MustCode(t, q.Raw(req), "SVL-0010")
		if res.Obj["session"] != nil || len(lgSetCookies(res)) != 0 {
			t.Fatalf("%s with password in the URL opened a session: %s %v", method, res.Body, res.Header)
		}
	}

	// The App Suite alias.
	a := lgClient(s, "alias/1.0")
	a.Base = "/appsuite/api"
	MustOK(t, lgLogin(a, "alice", "pw-alice"))
	MustOK(t, lgAlive(a))

	// Logins of other contexts are login@context.
	if _, errOut, code := s.CLI("context", "add", "--name", "acme"); code != 0 {
		t.Fatalf("context add: %s", errOut)
	}
	bobID := s.AddUser("bob", "pw-bob", "--context", "acme")
	b := lgClient(s, "bob/1.0")
	rb := MustOK(t, lgLogin(b, "bob@acme", "pw-bob"))
	if rb.Obj["user"] != "bob@acme" || rb.Obj["user_id"] != float64(bobID) || rb.Obj["context_id"] == r.Obj["context_id"] {
		t.Fatalf("login of another context: %s", rb.Body)
	}
	MustCode(t, lgLogin(lgClient(s, "x"), "bob", "pw-bob"), "LGI-0006")

	// login is refused inside multiple.
	mr := c.Put("multiple", []map[string]any{{"module": "login", "action": "login", "name": "alice", "password": "pw-alice"}})
	if mr.Status != http.StatusOK || len(mr.Arr) != 1 {
		t.Fatalf("multiple: HTTP %d %s", mr.Status, mr.Body)
	}
	if item, _ := mr.Arr[0].(map[string]any); item == nil || item["error"] == nil || item["session"] != nil {
		t.Fatalf("login inside multiple must fail: %s", mr.Body)
	}

	// Logout: 400 without session, 403 without secret, then 200 with the cookies removed.
	if lo := c.PostForm("login", url.Values{"action": {"logout"}}); lo.Status != http.StatusBadRequest {
		t.Fatalf("logout without session: HTTP %d %s", lo.Status, lo.Body)
	}
	if lo := thief.PostForm("login", url.Values{"action": {"logout"}, "session": {c.Session}}); lo.Status != http.StatusForbidden {
		t.Fatalf("logout without the secret cookie: HTTP %d %s", lo.Status, lo.Body)
	}
	MustOK(t, lgAlive(c))
	lo := c.PostForm("login", url.Values{"action": {"logout"}, "session": {c.Session}})
	if lo.Status != http.StatusOK || len(strings.TrimSpace(string(lo.Body))) != 0 {
		t.Fatalf("logout: HTTP %d %q", lo.Status, lo.Body)
	}
	loSet := lgSetCookies(lo)
	lgMustExpire(t, loSet, lgSecretName(c.UA, "open-xchange-appsuite"))
	lgMustExpire(t, loSet, lgPublicName(c.UA))
	// The jar dropped the secret, so send it by hand: the session itself is gone.
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: sec.Name, Value: sec.Value}})
	MustCode(t, lgAlive(c), "SES-0203")
	if lo := c.PostForm("login", url.Values{"action": {"logout"}, "session": {c.Session}}); lo.Status != http.StatusForbidden {
		t.Fatalf("second logout: HTTP %d %s", lo.Status, lo.Body)
	}
	MustOK(t, lgAlive(c2))
}

func TestLoginStoreAndAutologin(t *testing.T) {
	s := StartServer(t, "--cookie-salt", lgSalt, "--stored-session-lifetime", "48h")
	s.AddUser("carol", "pw-carol", "--locale", "de_DE")
	autologin := func(c *Client, client string) *Result {
		return c.Get("login", "action", "autologin", "client", client, "rampup", "true",
			"rampupFor", "open-xchange-appsuite", "version", "7.8.2", "nosession", "1")
	}

	// Without store there is no session cookie, so autologin fails (not with SES-) and clears the cookies.
	early := lgClient(s, "early/1.0")
	MustOK(t, lgLogin(early, "carol", "pw-carol"))
	fail := autologin(early, "open-xchange-appsuite")
	if fail.Code() != "SVL-0003" {
		t.Fatalf("autologin without session cookie: %s", fail.Body)
	}
	lgMustExpire(t, lgSetCookies(fail), lgSecretName(early.UA, "open-xchange-appsuite"))
	lgMustExpire(t, lgSetCookies(fail), lgPublicName(early.UA))

	c := lgClient(s, "Mozilla/5.0 (autologin)")
	lr := MustOK(t, lgLogin(c, "carol", "pw-carol"))
	st := c.PostForm("login", url.Values{"action": {"store"}, "session": {c.Session}})
	if st.Status != http.StatusOK || strings.TrimSpace(string(st.Body)) != "{}" {
		t.Fatalf("store: HTTP %d %s", st.Status, st.Body)
	}
	set := lgSetCookies(st)
	sc := lgMustCookie(t, set, lgSessionName(c.UA, "open-xchange-appsuite"))
	if sc.Value != c.Session {
		t.Fatalf("session cookie value %q, want the session id", sc.Value)
	}
	for _, name := range []string{sc.Name, lgSecretName(c.UA, "open-xchange-appsuite"), lgPublicName(c.UA)} {
		if ck := lgMustCookie(t, set, name); ck.MaxAge != 48*3600 {
			t.Fatalf("cookie %s after store: Max-Age %d, want %d", name, ck.MaxAge, 48*3600)
		}
	}
	MustCode(t, lgClient(s, "nobody").PostForm("login", url.Values{"action": {"store"}, "session": {c.Session}}), "SES-0206")
	MustCode(t, lgClient(s, "nobody").PostForm("login", url.Values{"action": {"store"}}), "SES-0201")

	// A new page load: autologin restores the session from the cookies.
	ar := MustOK(t, autologin(c, "open-xchange-appsuite"))
	if ar.Obj["session"] != c.Session || ar.Obj["user"] != "carol" || ar.Obj["user_id"] != lr.Obj["user_id"] ||
		ar.Obj["context_id"] != lr.Obj["context_id"] || ar.Obj["locale"] != "de_DE" || ar.Obj["data"] != nil {
		t.Fatalf("autologin answer: %s, login was %s", ar.Body, lr.Body)
	}
	// POST works as well as GET.
	MustOK(t, c.PostForm("login", url.Values{"action": {"autologin"}, "client": {"open-xchange-appsuite"}}))
	MustOK(t, lgAlive(c))

	// Only the browser with both cookies gets in.
	u, _ := url.Parse(s.URL)
	forged := lgClient(s, c.UA)
	forged.HTTP.Jar.SetCookies(u, []*http.Cookie{
		{Name: lgSessionName(c.UA, "open-xchange-appsuite"), Value: c.Session},
		{Name: lgSecretName(c.UA, "open-xchange-appsuite"), Value: strings.Repeat("1", 32)},
	})
	ff := autologin(forged, "open-xchange-appsuite")
	if ff.Code() != "SVL-0003" || ff.Obj["session"] != nil {
		t.Fatalf("autologin with a wrong secret: %s", ff.Body)
	}
	lgMustExpire(t, lgSetCookies(ff), lgSessionName(c.UA, "open-xchange-appsuite"))
	lgMustExpire(t, lgSetCookies(ff), lgSecretName(c.UA, "open-xchange-appsuite"))
	if len(forged.HTTP.Jar.Cookies(u)) != 0 {
		t.Fatalf("cookies left after failed autologin: %v", forged.HTTP.Jar.Cookies(u))
	}
	// Another User-Agent computes other cookie names.
	if r := autologin(lgClient(s, "other/1.0"), "open-xchange-appsuite"); r.Code() != "SVL-0003" {
		t.Fatalf("autologin of a browser without cookies: %s", r.Body)
	}
	MustOK(t, lgAlive(c))

	// refreshSecret writes the same secret again, persistent for a stored session.
	rs := c.Get("login", "action", "refreshSecret")
	if rs.Status != http.StatusOK || strings.TrimSpace(string(rs.Body)) != "{}" {
		t.Fatalf("refreshSecret: HTTP %d %s", rs.Status, rs.Body)
	}
	rsSec := lgMustCookie(t, lgSetCookies(rs), lgSecretName(c.UA, "open-xchange-appsuite"))
	if rsSec.Value != set[lgSecretName(c.UA, "open-xchange-appsuite")].Value || rsSec.MaxAge != 48*3600 {
		t.Fatalf("refreshSecret cookie: %s", rsSec.Raw)
	}
	MustCode(t, lgClient(s, "x").Get("login", "action", "refreshSecret", "session", c.Session), "SES-0206")

	// Asking for another client fails and removes all OX cookies of the browser.
	if r := autologin(c, "com.example.other"); r.Code() != "SVL-0003" {
		t.Fatalf("autologin for another client: %s", r.Body)
	}
	if len(c.HTTP.Jar.Cookies(u)) != 0 {
		t.Fatalf("cookies left: %v", c.HTTP.Jar.Cookies(u))
	}

	// After logout, autologin with the old cookies fails.
	d := lgClient(s, "Mozilla/5.0 (logout)")
	MustOK(t, lgLogin(d, "carol", "pw-carol"))
	MustOK(t, d.PostForm("login", url.Values{"action": {"store"}, "session": {d.Session}}))
	old := d.HTTP.Jar.Cookies(u)
	lo := d.PostForm("login", url.Values{"action": {"logout"}, "session": {d.Session}})
	if lo.Status != http.StatusOK {
		t.Fatalf("logout: HTTP %d %s", lo.Status, lo.Body)
	}
	lgMustExpire(t, lgSetCookies(lo), lgSessionName(d.UA, "open-xchange-appsuite"))
	d.HTTP.Jar.SetCookies(u, old)
	if r := autologin(d, "open-xchange-appsuite"); r.Code() != "SVL-0003" {
		t.Fatalf("autologin after logout: %s", r.Body)
	}
}

func TestLoginRateLimitAndDisabledActions(t *testing.T) {
	s := StartServer(t, "--cookie-salt", lgSalt, "--login-max-failures", "3", "--autologin=false")
	s.AddUser("dave", "pw-dave")
	c := lgClient(s, "limited/1.0")
	for i := 0; i < 3; i++ {
		MustCode(t, lgLogin(c, "dave", "wrong"), "LGI-0006")
	}
	MustCode(t, lgLogin(c, "dave", "pw-dave"), "SVL-0019")
	MustCode(t, lgLogin(c, "dave", "wrong"), "SVL-0019")
	form := url.Values{"action": {"formlogin"}, "login": {"dave"}, "password": {"pw-dave"}, "client": {"x"}, "version": {"1"}}
	MustCode(t, c.PostForm("login", form), "SVL-0019")
	// Another User-Agent from the same address is a different client.
	other := lgClient(s, "other-browser/1.0")
	MustOK(t, lgLogin(other, "dave", "pw-dave"))

	// Actions switched off.
	MustCode(t, other.Get("login", "action", "autologin", "nosession", "1"), "SVL-0015")
	MustCode(t, other.PostForm("login", url.Values{"action": {"store"}, "session": {other.Session}}), "SVL-0015")
	rd := lgClient(s, "redirect/1.0").Get("login", "action", "redirect", "random", strings.Repeat("a", 32))
	if rd.Status != http.StatusBadRequest {
		t.Fatalf("redirect without --random-token: HTTP %d %s", rd.Status, rd.Body)
	}
	if _, ok := lgLogin(lgClient(s, "r/1.0"), "dave", "pw-dave").Obj["random"]; ok {
		t.Fatal("random token sent although --random-token is off")
	}
	// No token secrets configured: redeeming is refused.
	tok := MustOK(t, other.Get("token", "action", "acquireToken")).Data().(map[string]any)["token"].(string)
	MustCode(t, lgClient(s, "redeem/1.0").PostForm("login", url.Values{"action": {"redeemToken"}, "token": {tok},
		"secret": {""}, "client": {"x"}}), "SVL-0002")
	MustCode(t, lgClient(s, "redeem/1.0").PostForm("login", url.Values{"action": {"redeemToken"}, "token": {tok},
		"secret": {"guess"}, "client": {"x"}}), "TOKENLOGIN-0006")
}

func TestLoginLifetimeAndRestart(t *testing.T) {
	s := StartServer(t, "--cookie-salt", lgSalt)
	s.AddUser("erin", "pw-erin")
	c := lgClient(s, "restart/1.0")
	MustOK(t, lgLogin(c, "erin", "pw-erin"))
	MustOK(t, lgAlive(c))

	s.Restart("--cookie-salt", lgSalt)
	MustOK(t, lgAlive(c))

	// A short idle lifetime: unused sessions expire, stored ones live longer.
	s.Restart("--cookie-salt", lgSalt, "--session-lifetime", "1s")
	short := lgClient(s, "short/1.0")
	MustOK(t, lgLogin(short, "erin", "pw-erin"))
	MustOK(t, lgAlive(short))
	stored := lgClient(s, "stored/1.0")
	MustOK(t, lgLogin(stored, "erin", "pw-erin"))
	MustOK(t, stored.PostForm("login", url.Values{"action": {"store"}, "session": {stored.Session}}))
	time.Sleep(2 * time.Second)
	MustCode(t, lgAlive(short), "SES-0203")
	MustCode(t, lgAlive(c), "SES-0203")
	MustOK(t, lgAlive(stored))
}

func TestLoginIPCheck(t *testing.T) {
	s := StartServer(t, "--cookie-salt", lgSalt)
	s.AddUser("fred", "pw-fred")
	c := lgClient(s, "ip/1.0")
	MustOK(t, lgLogin(c, "fred", "pw-fred"))

	MustCode(t, c.Get("login", "action", "changeip"), "SVL-0002")
	MustCode(t, c.Get("login", "action", "changeip", "clientIP", "not-an-ip"), "SVL-0010")
	MustCode(t, lgClient(s, "x").Get("login", "action", "changeip", "session", c.Session, "clientIP", "10.1.2.3"), "SES-0206")
	MustCode(t, c.Get("login", "action", "changeip", "session", strings.Repeat("c", 32), "clientIP", "10.1.2.3"), "SES-0203")
	ch := MustOK(t, c.PostForm("login", url.Values{"action": {"changeip"}, "session": {c.Session}, "clientIP": {"10.1.2.3"}}))
	if ch.Data() != "1" {
		t.Fatalf("changeip answer: %s", ch.Body)
	}
	MustCode(t, lgAlive(c), "SES-0205")
	if lo := c.PostForm("login", url.Values{"action": {"logout"}, "session": {c.Session}}); lo.Status != http.StatusForbidden {
		t.Fatalf("logout from another address: HTTP %d %s", lo.Status, lo.Body)
	}
	// changeip itself skips the address check, so the session can come back.
	MustOK(t, c.Get("login", "action", "changeip", "clientIP", "127.0.0.1"))
	MustOK(t, lgAlive(c))

	// With the check off a changed address is taken over silently.
	s.Restart("--cookie-salt", lgSalt, "--ip-check=false")
	MustOK(t, c.Get("login", "action", "changeip", "clientIP", "10.9.8.7"))
	MustOK(t, lgAlive(c))
	s.Restart("--cookie-salt", lgSalt)
	MustOK(t, lgAlive(c))
}

func TestLoginTokensRedirectFormlogin(t *testing.T) {
	s := StartServer(t, "--cookie-salt", lgSalt, "--token-secrets", "s3cret-one, s3cret-two", "--random-token")
	uid := s.AddUser("gina", "pw-gina")
	c := lgClient(s, "origin/1.0")
	lr := MustOK(t, lgLogin(c, "gina", "pw-gina"))
	random, _ := lr.Obj["random"].(string)
	if !lgHex32.MatchString(random) {
		t.Fatalf("login with --random-token must send a random token: %s", lr.Body)
	}

	// acquireToken / redeemToken.
	MustCode(t, c.Do(http.MethodGet, "token", url.Values{"action": {"acquireToken"}, "nosession": {"1"}}, nil), "SES-0201")
	at := MustOK(t, c.Get("token", "action", "acquireToken"))
	tok, _ := at.Data().(map[string]any)["token"].(string)
	if !lgHex32.MatchString(tok) || at.Obj["timestamp"] == nil {
		t.Fatalf("acquireToken: %s", at.Body)
	}
	sys := lgClient(s, "provider-system/2.0")
	redeem := func(token, secret, client string) *Result {
		return sys.PostForm("login?action=redeemToken&authId=abc", url.Values{"token": {token}, "secret": {secret}, "client": {client}})
	}
	MustCode(t, redeem(tok, "wrong", "com.example.portal"), "TOKENLOGIN-0006")
	MustCode(t, sys.PostForm("login", url.Values{"action": {"redeemToken"}, "token": {tok}, "secret": {"s3cret-two"}}), "SVL-0002")
	rr := MustOK(t, redeem(tok, "s3cret-two", "com.example.portal"))
	sid, _ := rr.Obj["session"].(string)
	if !lgHex32.MatchString(sid) || sid == c.Session || rr.Obj["user"] != "gina" || rr.Obj["user_id"] != float64(uid) ||
		rr.Obj["data"] != nil {
		t.Fatalf("redeemToken answer: %s", rr.Body)
	}
	lgMustCookie(t, lgSetCookies(rr), lgSecretName(sys.UA, "com.example.portal"))
	sys.Session = sid
	MustOK(t, lgAlive(sys))
	MustCode(t, redeem(tok, "s3cret-two", "com.example.portal"), "TOKENLOGIN-0003")
	MustCode(t, redeem(strings.Repeat("d", 32), "s3cret-one", "com.example.portal"), "TOKENLOGIN-0003")

	// redirect: the random token moves the session to another browser once.
	br := lgClient(s, "browser/3.0")
	MustCode(t, br.Get("login", "action", "redirect", "random", random, "uiWebPath", "//evil.example/"), "SVL-0010")
	rd := br.Get("login", "action", "redirect", "random", random, "store", "true")
	if rd.Status != http.StatusFound {
		t.Fatalf("redirect: HTTP %d %s", rd.Status, rd.Body)
	}
	loc := rd.Header.Get("Location")
	want := "/appsuite/#session=" + c.Session + "&user=gina&user_id=" + itoaTest(uid)
	if !strings.HasPrefix(loc, want) || !strings.Contains(loc, "&store=true") || !strings.Contains(loc, "&language=en_US") {
		t.Fatalf("redirect Location %q, want prefix %q", loc, want)
	}
	lgMustCookie(t, lgSetCookies(rd), lgSecretName(br.UA, "open-xchange-appsuite"))
	br.Session = c.Session
	MustOK(t, lgAlive(br))
	if again := lgClient(s, "b2").Get("login", "action", "redirect", "random", random); again.Status != http.StatusForbidden {
		t.Fatalf("second redirect with the same token: HTTP %d %s", again.Status, again.Body)
	}
	// The servlet path parameter of the spec's URL is accepted.
	if jr := lgClient(s, "b3").Get("login;jsessionid=1157370816112.OX1", "action", "redirect", "random", strings.Repeat("e", 32)); jr.Status != http.StatusForbidden {
		t.Fatalf("redirect via login;jsessionid=…: HTTP %d %s", jr.Status, jr.Body)
	}

	// tokenLogin / tokens.
	maker := lgClient(s, "desktop-app/1.0")
	tokenLogin := func(clientToken string, json bool) *Result {
		f := url.Values{"login": {"gina"}, "password": {"pw-gina"}, "clientToken": {clientToken},
			"client": {"open-xchange-appsuite"}, "version": {"1"}, "autologin": {"true"}}
		if json {
			f.Set("jsonResponse", "true")
		}
		return maker.PostForm("login?action=tokenLogin&authId=t1", f)
	}
	tl := MustOK(t, tokenLogin("client-token-1", true))
	serverToken, _ := tl.Obj["serverToken"].(string)
	if serverToken == "" || tl.Obj["user"] != "gina" || tl.Obj["user_id"] != float64(uid) ||
		!strings.HasPrefix(tl.Obj["url"].(string), "/appsuite/#serverToken="+serverToken) {
		t.Fatalf("tokenLogin answer: %s", tl.Body)
	}
	if len(lgSetCookies(tl)) != 0 {
		t.Fatalf("tokenLogin must not set cookies: %v", tl.Header["Set-Cookie"])
	}
	web := lgClient(s, "web-browser/4.0")
	tokens := func(st, ct string) *Result {
		return web.PostForm("login;jsessionid=x", url.Values{"action": {"tokens"}, "serverToken": {st}, "clientToken": {ct},
			"client": {"open-xchange-appsuite"}})
	}
	MustCode(t, tokens(serverToken, "wrong-client-token"), "SES-0211")
	MustCode(t, tokens(serverToken, "client-token-1"), "SES-0210")

	tl2 := tokenLogin("client-token-2", false)
	if tl2.Status != http.StatusFound {
		t.Fatalf("tokenLogin without jsonResponse: HTTP %d %s", tl2.Status, tl2.Body)
	}
	frag, _ := url.ParseQuery(strings.SplitN(tl2.Header.Get("Location"), "#", 2)[1])
	st2 := frag.Get("serverToken")
	if st2 == "" || frag.Get("store") != "true" {
		t.Fatalf("tokenLogin redirect: %s", tl2.Header.Get("Location"))
	}
	// GET is accepted as well as POST.
	tr := MustOK(t, web.Get("login", "action", "tokens", "serverToken", st2, "clientToken", "client-token-2", "client", "open-xchange-appsuite"))
	data, _ := tr.Data().(map[string]any)
	if data == nil || !lgHex32.MatchString(data["session"].(string)) || data["user"] != "gina" || data["user_id"] != float64(uid) ||
		data["locale"] != "en_US" || data["context_id"] == nil {
		t.Fatalf("tokens answer: %s", tr.Body)
	}
	lgMustCookie(t, lgSetCookies(tr), lgSecretName(web.UA, "open-xchange-appsuite"))
	web.Session = data["session"].(string)
	MustOK(t, lgAlive(web))
	MustCode(t, tokens(st2, "client-token-2"), "SES-0210")
	pq, _ := http.NewRequest(http.MethodPost, s.URL+"/ajax/login?action=tokenLogin&password=pw-gina",
		strings.NewReader("login=gina&clientToken=x&client=c&version=1"))
	pq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	MustCode(t, maker.Raw(pq), "SVL-0010")

	// formlogin redirects to the UI with the session in the fragment.
	f := lgClient(s, "form-browser/5.0")
	fr := f.PostForm("login?action=formlogin&authId=f1", url.Values{"login": {"gina"}, "password": {"pw-gina"},
		"client": {"open-xchange-appsuite"}, "version": {"7.8.2"}, "autologin": {"true"}})
	if fr.Status != http.StatusFound {
		t.Fatalf("formlogin: HTTP %d %s", fr.Status, fr.Body)
	}
	floc := fr.Header.Get("Location")
	if !strings.HasPrefix(floc, "/appsuite/#session=") {
		t.Fatalf("formlogin Location %q", floc)
	}
	ff, _ := url.ParseQuery(strings.SplitN(floc, "#", 2)[1])
	if !lgHex32.MatchString(ff.Get("session")) || ff.Get("user") != "gina" || ff.Get("user_id") != itoaTest(uid) ||
		ff.Get("context_id") == "" || ff.Get("language") != "en_US" || ff.Get("store") != "true" {
		t.Fatalf("formlogin fragment: %s", floc)
	}
	lgMustCookie(t, lgSetCookies(fr), lgSecretName(f.UA, "open-xchange-appsuite"))
	f.Session = ff.Get("session")
	MustOK(t, lgAlive(f))
	MustOK(t, f.PostForm("login", url.Values{"action": {"store"}, "session": {f.Session}}))
	MustCode(t, f.PostForm("login?action=formlogin", url.Values{"login": {"gina"}, "password": {"nope"}}), "LGI-0006")
	MustCode(t, f.PostForm("login?action=formlogin&uiWebPath=https://evil.example/", url.Values{"login": {"gina"}, "password": {"pw-gina"}}), "SVL-0010")
	cu := lgClient(s, "custom-ui/1.0")
	cr := cu.PostForm("login?action=formlogin&uiWebPath=/ui/index.html", url.Values{"login": {"gina"}, "password": {"pw-gina"}})
	if !strings.HasPrefix(cr.Header.Get("Location"), "/ui/index.html#session=") {
		t.Fatalf("formlogin with uiWebPath: HTTP %d %s", cr.Status, cr.Header.Get("Location"))
	}

	// rampup answers an object even when nothing fills it.
	ru := MustOK(t, br.Get("login", "action", "rampup", "rampup", "true"))
	if _, ok := ru.Obj["rampup"].(map[string]any); !ok {
		t.Fatalf("rampup: %s", ru.Body)
	}
}

func itoaTest(n int64) string { return strconv.FormatInt(n, 10) }
