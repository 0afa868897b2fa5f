package canon

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// ErrNotAbsolute is returned (wrapped) for a URL without a scheme or host.
var ErrNotAbsolute = errors.New("url is not absolute")

// trackingParams are query parameter names (lower-cased) removed from every
// URL in addition to everything starting with "utm_".
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "igshid": true,
	"mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "_hsenc": true,
	"_hsmi": true, "mkt_tok": true, "vero_id": true, "oly_anon_id": true,
	"oly_enc_id": true, "rb_clickid": true, "s_cid": true, "wickedid": true,
	"spm": true, "scm": true,
}

// IsTrackingParam reports whether a query parameter name is a tracking
// parameter that [URL] removes. The comparison ignores case.
func IsTrackingParam(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "utm_") || trackingParams[n]
}

// URL returns the canonical form of the absolute URL raw (see the package
// documentation). It fails for URLs that do not parse or that lack a scheme
// or host. URL is idempotent: URL(URL(x)) == URL(x).
func URL(raw string) (string, error) {
	u, err := url.Parse(trim(raw))
	if err != nil {
		return "", fmt.Errorf("canonicalise %q: %w", raw, err)
	}
	return canonical(u, raw)
}

// Resolve resolves ref against base (as a browser resolves a link on the
// page at base) and returns the canonical form of the result. A nil base
// requires ref to be absolute.
func Resolve(base *url.URL, ref string) (string, error) {
	r, err := url.Parse(trim(ref))
	if err != nil {
		return "", fmt.Errorf("resolve %q: %w", ref, err)
	}
	if base != nil {
		r = base.ResolveReference(r)
	}
	return canonical(r, ref)
}

func canonical(u *url.URL, raw string) (string, error) {
	out, err := once(u, raw)
	if err != nil {
		return "", err
	}
	// Unusual escapes can change when a URL is printed and parsed again;
	// iterate to a fixed point so that URL is idempotent.
	for range 3 {
		u2, err := url.Parse(out)
		if err != nil {
			return "", fmt.Errorf("canonicalise %q: %w", raw, err)
		}
		next, err := once(u2, raw)
		if err != nil {
			return "", err
		}
		if next == out {
			return out, nil
		}
		out = next
	}
	return "", fmt.Errorf("canonicalise %q: no stable canonical form", raw)
}

func once(u *url.URL, raw string) (string, error) {
	if u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("canonicalise %q: %w", raw, ErrNotAbsolute)
	}
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	c.Host = canonicalHost(c.Scheme, c.Host)
	if c.Host == "" {
		return "", fmt.Errorf("canonicalise %q: %w", raw, ErrNotAbsolute)
	}
	c.Fragment, c.RawFragment = "", ""
	c.RawQuery = cleanQuery(c.RawQuery)
	c.ForceQuery = false
	if c.Path == "" && c.RawPath == "" {
		c.Path = "/"
	}
	return c.String(), nil
}

func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	var port string
	switch scheme {
	case "http", "ws":
		port = ":80"
	case "https", "wss":
		port = ":443"
	}
	if port != "" {
		host = strings.TrimSuffix(host, port)
	}
	return strings.TrimSuffix(host, ":")
}

// cleanQuery drops empty and tracking parameters from a raw query, keeping
// everything else byte for byte and in order.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if IsTrackingParam(name) {
			continue
		}
		// A literal space is invalid in a query; escaping it keeps the
		// result free of surrounding white space.
		kept = append(kept, strings.ReplaceAll(p, " ", "%20"))
	}
	return strings.Join(kept, "&")
}

// trim removes surrounding ASCII white space (as found around URLs in
// feeds and sitemaps).
func trim(s string) string {
	return strings.Trim(s, " \t\r\n\f\v")
}

// SameSite reports whether two absolute URLs belong to the same site: the
// same registrable domain (eTLD+1, from the public suffix list), so that
// m.example.com and www.example.com are one site and example.com and
// other.com, or a.github.io and b.github.io, are not. IP addresses and
// single-label hosts must match exactly. A port other than the scheme's
// default must match too: two servers on one host are two sites (http and
// https on their default ports are one).
func SameSite(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	ha, hb := strings.ToLower(ua.Hostname()), strings.ToLower(ub.Hostname())
	if ha == "" || hb == "" || explicitPort(ua) != explicitPort(ub) {
		return false
	}
	if ha == hb {
		return true
	}
	sa, err := publicsuffix.EffectiveTLDPlusOne(ha)
	if err != nil {
		return false
	}
	sb, err := publicsuffix.EffectiveTLDPlusOne(hb)
	return err == nil && sa == sb
}

// explicitPort is u's port unless it is its scheme's default ("" then).
func explicitPort(u *url.URL) string {
	p := u.Port()
	if (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		return ""
	}
	return p
}
