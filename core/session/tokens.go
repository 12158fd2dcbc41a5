package session

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Kinds of rows in login_tokens.
const (
	// KindAcquire is a token of token?action=acquireToken, redeemed by
	// login?action=redeemToken.
	KindAcquire = "acquire"
	// KindServer is the server token of login?action=tokenLogin, redeemed
	// with its client token by login?action=tokens.
	KindServer = "server"
)

// Token lifetimes. They are short on purpose: a token stands in for a
// password.
const (
	AcquireTTL = 5 * time.Minute
	ServerTTL  = time.Minute
	// RandomTTL is how long after login the random token opens the session
	// (login?action=redirect).
	RandomTTL = time.Minute
	// MaxTokenTTL is the longest of the token lifetimes (for pruning).
	MaxTokenTTL = AcquireTTL
)

// NewToken stores a fresh token of kind for a session.
func (m *Manager) NewToken(ctx context.Context, kind, sessionID, clientToken string) (token string, created int64, err error) {
	token, created = NewID(), m.Now().UnixMilli()
	_, err = m.DB.Exec(ctx, `INSERT INTO login_tokens(token, kind, session_id, client_token, created) VALUES(?,?,?,?,?)`,
		token, kind, sessionID, clientToken, created)
	return token, created, err
}

// TakeToken removes a token and returns its session id and client token;
// ok is false when the token is unknown, of another kind or older than ttl.
// Taking deletes in one statement, so a token is redeemed at most once.
func (m *Manager) TakeToken(ctx context.Context, kind, token string, ttl time.Duration) (sessionID, clientToken string, ok bool, err error) {
	if !ValidID(token) {
		return "", "", false, nil
	}
	var created int64
	err = m.DB.QueryRow(ctx, `DELETE FROM login_tokens WHERE token = ? AND kind = ? RETURNING session_id, client_token, created`,
		token, kind).Scan(&sessionID, &clientToken, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	if m.Now().UnixMilli()-created > ttl.Milliseconds() {
		return "", "", false, nil
	}
	return sessionID, clientToken, true, nil
}

// TakeRandom returns the live session whose random token is random, if it
// was created within RandomTTL, and clears the token (it opens the session
// once).
func (m *Manager) TakeRandom(ctx context.Context, random string) (*Session, error) {
	if !ValidID(random) {
		return nil, nil
	}
	s, err := m.live(ctx, m.DB.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE random = ?`, random))
	if err != nil || s == nil {
		return nil, err
	}
	res, err := m.DB.Exec(ctx, `UPDATE sessions SET random = '' WHERE id = ? AND random = ?`, s.ID, random)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 || m.Now().UnixMilli()-s.Created > RandomTTL.Milliseconds() {
		return nil, nil
	}
	s.Random = ""
	return s, nil
}
