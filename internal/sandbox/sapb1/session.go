package sapb1

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Session cookies set by POST /Login.
const (
	cookieSession = "B1SESSION"
	cookieRoute   = "ROUTEID"
)

// session is one logged-in Service Layer session, pinned to one node of the
// (simulated) load-balanced cluster.
type session struct {
	id       string
	route    string
	lastUsed time.Time
}

// sessions holds the live sessions. A session expires when it has not been
// used for the timeout (the timeout slides with use).
type sessions struct {
	mu      sync.Mutex
	timeout time.Duration
	nodes   int
	next    int
	byID    map[string]*session
}

func newSessions(timeout time.Duration, nodes int) *sessions {
	return &sessions{timeout: timeout, nodes: nodes, byID: map[string]*session{}}
}

// open starts a session on the next node, round robin.
func (s *sessions) open(now time.Time) *session {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:6]) + "-" + hex.EncodeToString(b[6:8]) +
		"-" + hex.EncodeToString(b[8:10]) + "-" + hex.EncodeToString(b[10:])
	s.mu.Lock()
	defer s.mu.Unlock()
	// Forget expired sessions, so logins without logouts do not grow memory.
	for sid, old := range s.byID {
		if now.Sub(old.lastUsed) > s.timeout {
			delete(s.byID, sid)
		}
	}
	sess := &session{id: id, route: ".node" + strconv.Itoa(s.next%s.nodes), lastUsed: now}
	s.next++
	s.byID[id] = sess
	return sess
}

// check validates the request's cookies: the session must exist, must not
// have expired, and the ROUTEID cookie must name its node (a request
// without it lands on an arbitrary node that does not know the session).
func (s *sessions) check(r *http.Request, now time.Time, checkRoute bool) *apiError {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return invalidSession()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[c.Value]
	if !ok {
		return invalidSession()
	}
	if now.Sub(sess.lastUsed) > s.timeout {
		delete(s.byID, sess.id)
		return invalidSession()
	}
	if checkRoute {
		route, err := r.Cookie(cookieRoute)
		if err != nil || route.Value != sess.route {
			return invalidSession()
		}
	}
	sess.lastUsed = now
	return nil
}

func (s *sessions) close(r *http.Request) {
	if c, err := r.Cookie(cookieSession); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
}

func (s *sessions) reset() {
	s.mu.Lock()
	s.byID = map[string]*session{}
	s.next = 0
	s.mu.Unlock()
}

// loginRequest is the body of POST /Login.
type loginRequest struct {
	CompanyDB string `json:"CompanyDB"`
	UserName  string `json:"UserName"`
	Password  string `json:"Password"`
	Language  any    `json:"Language"`
}

// handleLogin serves POST /b1s/v1/Login: on success a B1Session entity and
// the B1SESSION and ROUTEID cookies.
func (v *Vendor) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, badRequest(codeInvalidRequest, "Invalid JSON in login request: %v", err))
		return
	}
	ok := in.CompanyDB == v.opts.CompanyDB && in.UserName == v.opts.UserName &&
		subtle.ConstantTimeCompare([]byte(in.Password), []byte(v.opts.Password)) == 1
	if !ok {
		writeError(w, newError(http.StatusUnauthorized, codeLoginFailed, "Login failed"))
		return
	}
	sess := v.sessions.open(v.clock())
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: sess.id, Path: "/b1s", HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: cookieRoute, Value: sess.route, Path: "/b1s"})
	writeOrdered(w, http.StatusOK, []field{
		{"odata.metadata", v.metadataURL(r, "B1Sessions/@Element")},
		{"SessionId", sess.id},
		{"Version", "1000190"},
		{"SessionTimeout", int(math.Ceil(v.opts.SessionTimeout.Minutes()))},
	})
}

// handleLogout serves POST /b1s/v1/Logout.
func (v *Vendor) handleLogout(w http.ResponseWriter, r *http.Request) {
	v.sessions.close(r)
	w.WriteHeader(http.StatusNoContent)
}
