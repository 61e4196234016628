package magento

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"hash"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/datawald/datawald/internal/sandbox/oauth1"
)

// oauthTimeDeviation is how far in the future Magento accepts an
// oauth_timestamp (NonceGenerator::TIME_DEVIATION). Magento does not reject
// old timestamps; a replay is caught by the nonce store instead.
const oauthTimeDeviation = 600 * time.Second

// maxNonces bounds the nonce store; the oldest are forgotten first (Magento
// prunes its oauth_nonce table with a cron job).
const maxNonces = 200_000

// principal is who a request authenticated as.
type principal struct {
	userType int // 1 integration, 2 admin (Magento's UserContextInterface types)
	userID   int
}

const (
	userTypeIntegration = 1
	userTypeAdmin       = 2
)

// authenticate identifies the caller of r, as Magento's user contexts do:
// an OAuth 1.0a signed request from the integration, a bearer admin token,
// or the integration's access token used as a bearer when
// Options.AllowBearerIntegrationToken is on. resource is the route's ACL
// resource, named in the 401 body.
//
// Errors follow Magento: OAuth input problems (unsupported signature
// method, missing parameter, bad timestamp, token length) are 400; a bad
// signature, a reused nonce, an unknown consumer or token are 401 with their
// own message; anything else unauthenticated is the generic 401 "The consumer
// isn't authorized to access %resources.".
func (v *Vendor) authenticate(r *http.Request, body []byte, resource string) (principal, error) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	switch strings.ToLower(scheme) {
	case "oauth":
		if err := v.verifyOAuth(r, body, rest); err != nil {
			return principal{}, err
		}
		return principal{userType: userTypeIntegration, userID: integrationID}, nil
	case "bearer":
		tok := strings.TrimSpace(rest)
		if uid, ok := v.tokens.verify(tok, v.now()); ok {
			return principal{userType: userTypeAdmin, userID: uid}, nil
		}
		if v.opts.AllowBearerIntegrationToken && subtle.ConstantTimeCompare([]byte(tok), []byte(v.opts.AccessToken)) == 1 {
			return principal{userType: userTypeIntegration, userID: integrationID}, nil
		}
	}
	return principal{}, errUnauthorized(resource)
}

// integrationID is the id of the sandbox's one integration.
const integrationID = 1

// oauthParams parses the parameters of an "OAuth k="v", ..." header.
func oauthParams(header string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(header, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if dec, err := url.QueryUnescape(strings.ReplaceAll(val, "+", "%2B")); err == nil {
			val = dec
		}
		out[strings.TrimSpace(k)] = val
	}
	return out
}

func (v *Vendor) verifyOAuth(r *http.Request, body []byte, header string) error {
	p := oauthParams(header)
	if ver, ok := p["oauth_version"]; ok && ver != "1.0" {
		return errPositional(http.StatusBadRequest, `The "%1" Oauth version isn't supported.`, ver)
	}
	var missing []apiErrorItem
	for _, k := range []string{"oauth_consumer_key", "oauth_signature", "oauth_signature_method", "oauth_nonce", "oauth_timestamp", "oauth_token"} {
		if _, ok := p[k]; !ok {
			missing = append(missing, errRequiredField(k))
		}
	}
	if len(missing) > 0 {
		return errInput(missing...)
	}
	if len(p["oauth_token"]) != 32 {
		return errPositional(http.StatusBadRequest, "The token length is invalid. Check the length and try again.")
	}
	method := p["oauth_signature_method"]
	var newHash func() hash.Hash
	switch {
	case method == "HMAC-SHA256":
		newHash = sha256.New
	case method == "HMAC-SHA1" && v.opts.AllowHMACSHA1:
		newHash = sha1.New
	default:
		// Magento 2.4.4 and later accept HMAC-SHA256 only.
		return errPositional(http.StatusBadRequest, "Signature method %1 is not supported", method)
	}
	if p["oauth_consumer_key"] != v.opts.ConsumerKey {
		return errPositional(http.StatusUnauthorized, "A consumer having the specified key does not exist")
	}
	ts, err := strconv.ParseInt(p["oauth_timestamp"], 10, 64)
	if err != nil || ts <= 0 || time.Unix(ts, 0).After(v.now().Add(oauthTimeDeviation)) {
		return errPositional(http.StatusBadRequest, "Incorrect timestamp value in the oauth_timestamp parameter")
	}
	// Magento stores the nonce before it checks the token and the
	// signature, so a rejected request still uses its nonce up.
	if !v.nonces.use(p["oauth_nonce"]) {
		return errPositional(http.StatusUnauthorized, "The nonce is already being used by the consumer with ID %1", integrationID)
	}
	if subtle.ConstantTimeCompare([]byte(p["oauth_token"]), []byte(v.opts.AccessToken)) != 1 {
		return errPositional(http.StatusUnauthorized, "A token with the specified ID doesn't exist. Verify the token and try again.")
	}
	want := oauthSignature(newHash, r, body, p, v.opts.ConsumerSecret, v.opts.AccessTokenSecret)
	if !hmac.Equal([]byte(want), []byte(p["oauth_signature"])) {
		return errPositional(http.StatusUnauthorized, "The signature is invalid. Verify and try again.")
	}
	return nil
}

// oauthSignature computes the RFC 5849 HMAC signature of r, base64
// encoded: the base string covers the query, a form body (when r is
// application/x-www-form-urlencoded) and the oauth_* parameters; the key is
// consumerSecret & tokenSecret.
func oauthSignature(newHash func() hash.Hash, r *http.Request, body []byte, oauth map[string]string, consumerSecret, tokenSecret string) string {
	var form url.Values
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		if f, err := url.ParseQuery(string(body)); err == nil {
			form = f
		}
	}
	mac := oauth1.Signature(newHash, oauth1.BaseString(r, form, oauth), consumerSecret, tokenSecret)
	return base64.StdEncoding.EncodeToString(mac)
}

// nonceStore remembers the nonces the integration used. It has its own lock
// because it is written on every signed request, reads included.
type nonceStore struct {
	mu    sync.Mutex
	seen  map[string]struct{}
	order []string
}

func newNonceStore() *nonceStore {
	return &nonceStore{seen: map[string]struct{}{}}
}

// use records nonce and reports whether it was new.
func (n *nonceStore) use(nonce string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.seen[nonce]; ok {
		return false
	}
	n.seen[nonce] = struct{}{}
	n.order = append(n.order, nonce)
	if len(n.order) > maxNonces {
		drop := len(n.order) - maxNonces
		for _, old := range n.order[:drop] {
			delete(n.seen, old)
		}
		n.order = append([]string(nil), n.order[drop:]...)
	}
	return true
}

// adminToken is the POST /V1/integration/admin/token body.
type adminTokenRequest struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
}

// handleAdminToken issues an admin bearer token for the configured admin
// user, valid Options.AdminTokenLifetime (Magento's default is 4 hours).
func (v *Vendor) handleAdminToken(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req adminTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return errDecoding(err)
	}
	var missing []apiErrorItem
	if req.Username == nil || *req.Username == "" {
		missing = append(missing, errRequiredField("username"))
	}
	if req.Password == nil || *req.Password == "" {
		missing = append(missing, errRequiredField("password"))
	}
	if len(missing) > 0 {
		return errInput(missing...)
	}
	if subtle.ConstantTimeCompare([]byte(*req.Username), []byte(v.opts.AdminUsername)) != 1 ||
		subtle.ConstantTimeCompare([]byte(*req.Password), []byte(v.opts.AdminPassword)) != 1 {
		return errPositional(http.StatusUnauthorized, "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.")
	}
	tok := v.tokens.issue(adminUserID, v.now(), v.opts.AdminTokenLifetime)
	writeJSON(w, http.StatusOK, tok)
	return nil
}

// adminUserID is the id of the sandbox's admin user.
const adminUserID = 1

// errDecoding is Magento's answer to a body it cannot decode.
func errDecoding(err error) error {
	return errPositional(http.StatusBadRequest, "Decoding error: %1", err.Error())
}
