package client

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ValidateBaseURL applies the rule New uses to Config.BaseURL, so the
// provider can report a bad base_url at plan time: an absolute http or https
// URL with a host, no credentials, query or fragment; a trailing slash is
// fine. Plain http is refused unless the host is loopback or
// allowInsecureHTTP is set, because the API key would travel in clear text.
func ValidateBaseURL(raw string, allowInsecureHTTP bool) error {
	if raw == "" {
		return fmt.Errorf("base_url is empty: it must be an absolute URL such as https://api.collinear.ai")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("base_url %q must be an absolute URL such as https://api.collinear.ai", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("base_url %q has scheme %q: it must start with https:// (or http:// for a local test server)", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("base_url %q has no host name: it must be an absolute URL such as https://api.collinear.ai", raw)
	}
	if u.User != nil {
		// Do not echo raw: it holds the credentials.
		return fmt.Errorf("base_url must not contain a user name or password (https://user:pass@host): set the API key with api_key or COLLINEAR_API_KEY")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("base_url %q must not have a query or fragment: give only the scheme, host and optional path prefix, e.g. https://api.collinear.ai", raw)
	}
	if u.Scheme == "http" && !allowInsecureHTTP && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("base_url %q uses plain http to a host that is not loopback: the API key would cross the network in clear text. Use https://, or set insecure_http = true in the provider configuration if this is really intended", raw)
	}
	return nil
}

// isLoopbackHost reports whether host (without port or brackets) names this
// machine: localhost, 127.0.0.0/8 or ::1.
func isLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
