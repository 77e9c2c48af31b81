package emulator

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticate answers and returns false when the request's credentials are
// refused. It follows FastAPI's HTTPBearer: no header or no credentials is
// 403 "Not authenticated", another scheme is 403 "Invalid authentication
// credentials"; then the platform's own check of the key is 401.
func (ex *exchange) authenticate() bool {
	header := ex.r.Header.Get("Authorization")
	scheme, credentials, _ := strings.Cut(header, " ")
	if header == "" || scheme == "" || credentials == "" {
		writeDetail(ex.w, http.StatusForbidden, "Not authenticated")
		return false
	}
	if !strings.EqualFold(scheme, "bearer") {
		writeDetail(ex.w, http.StatusForbidden, "Invalid authentication credentials")
		return false
	}
	if subtle.ConstantTimeCompare([]byte(credentials), []byte(ex.s.opts.APIKey)) != 1 {
		writeDetail(ex.w, http.StatusUnauthorized, "Invalid API key")
		return false
	}
	return true
}

// authorizeSpace answers 404 for a removed space, 403 when the key may not
// use the space, and then returns false.
func (ex *exchange) authorizeSpace(spaceID string) bool {
	if ex.s.isRemovedSpace(spaceID) {
		writeDetail(ex.w, http.StatusNotFound, "Space not found")
		return false
	}
	if ex.s.isForbidden(spaceID) {
		writeDetail(ex.w, http.StatusForbidden, "Not allowed to access this space")
		return false
	}
	return true
}
