package emulator

import (
	"strconv"
	"sync"
	"time"
)

// rateLimiter is a sliding-window limit on API requests, like the
// platform's gateway: at most max requests in any period of length per.
// It is guarded by the Server's mutex.
type rateLimiter struct {
	max    int
	per    time.Duration
	recent []time.Time // admitted requests still inside the window, oldest first
}

// SetRateLimit admits at most maxRequests API requests per period; the
// others are answered 429 with a Retry-After in whole seconds. A
// maxRequests of 0 or less removes the limit.
func (s *Server) SetRateLimit(maxRequests int, per time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = rateLimiter{max: maxRequests, per: per}
}

// admit records a request at now. When it is over the limit it returns the
// Retry-After value (seconds until a slot frees, at least 1) and true.
func (l *rateLimiter) admit(mu *sync.Mutex, now time.Time) (retryAfter string, limited bool) {
	mu.Lock()
	defer mu.Unlock()
	if l.max <= 0 || l.per <= 0 {
		return "", false
	}
	cut := 0
	for cut < len(l.recent) && now.Sub(l.recent[cut]) >= l.per {
		cut++
	}
	l.recent = l.recent[cut:]
	if len(l.recent) < l.max {
		l.recent = append(l.recent, now)
		return "", false
	}
	wait := l.per - now.Sub(l.recent[0])
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs), true
}
