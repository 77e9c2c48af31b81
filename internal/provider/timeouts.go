package provider

import (
	"fmt"
	"strings"
	"time"
)

// notAnswered says which request did not answer within which timeout of the
// timeouts block, and what to do, in lookupTimedOut's words: what is the
// request's name ("judge list"), request its method and path.
func notAnswered(what, request, timeoutName string, timeout time.Duration) string {
	return fmt.Sprintf("the %s (%s) did not answer within the %s timeout of %s; check the API's status, or raise the timeout in the timeouts block (%s)",
		what, request, timeoutName, timeout, timeoutName)
}

// capitalized is s with its first letter in upper case, to begin a sentence.
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
