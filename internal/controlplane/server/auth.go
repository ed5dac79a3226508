package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// principal is the authenticated caller of a request.
type principal struct {
	key    *store.APIKey
	scopes map[string]bool
}

func newPrincipal(k *store.APIKey) *principal {
	p := &principal{key: k, scopes: map[string]bool{}}
	for _, s := range k.Scopes {
		p.scopes[s] = true
		for _, implied := range api.ScopeImplies[s] {
			p.scopes[implied] = true
		}
	}
	return p
}

func (p *principal) allows(scope string) bool { return p.scopes[api.ScopeAdmin] || p.scopes[scope] }

// boundEnvironment is the only environment an environment-bound key may see,
// or "" for keys that see every environment.
func (p *principal) boundEnvironment() string { return p.key.EnvironmentID }

// seesEnvironment reports whether the key may know that envID exists.
func (p *principal) seesEnvironment(envID string) bool {
	return p.key.EnvironmentID == "" || p.key.EnvironmentID == envID
}

func (p *principal) require(scope string) error {
	if p.allows(scope) {
		return nil
	}
	e := errorf(http.StatusForbidden, api.CodePermissionDenied,
		"API key %s lacks the scope %q needed here; use a key with that scope (or admin)", p.key.Prefix, scope)
	e.problem.MissingScope = scope
	e.problem.KeyPrefix = p.key.Prefix
	return e
}

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// authenticate resolves the bearer key, enforcing expiry, revocation, source
// address and the key's rate limit. Failures are audited.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, s.authFailure(r, nil, "missing Authorization header; send Authorization: Bearer <API key>")
	}
	scheme, secret, ok := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, s.authFailure(r, nil, "malformed Authorization header; send Authorization: Bearer <API key>")
	}
	hash := keys.Hash(secret)
	k, gen := s.keys.get(hash)
	if k == nil {
		var err error
		k, err = s.store.GetAPIKeyByHash(r.Context(), hash)
		if errors.Is(err, store.ErrNotFound) {
			return nil, s.authFailure(r, nil, "API key not recognised")
		}
		if err != nil {
			return nil, err
		}
		s.keys.put(hash, k, gen)
	}
	now := s.now()
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return nil, s.authFailure(r, k, fmt.Sprintf("API key %s expired at %s", k.Prefix, k.ExpiresAt.UTC().Format(time.RFC3339)))
	}
	if k.RevokedAt != nil && (k.RevokeGraceUntil == nil || !now.Before(*k.RevokeGraceUntil)) {
		return nil, s.authFailure(r, k, fmt.Sprintf("API key %s was revoked at %s", k.Prefix, k.RevokedAt.UTC().Format(time.RFC3339)))
	}
	if len(k.AllowedCIDRs) > 0 {
		ip := clientIP(r)
		if !ipAllowed(ip, k.AllowedCIDRs) {
			s.audit(r, k, "auth", "", "", "denied", http.StatusForbidden, "source address not in allowed_cidrs")
			e := errorf(http.StatusForbidden, api.CodePermissionDenied,
				"API key %s may not be used from %s; its allowed_cidrs are %s", k.Prefix, ip, strings.Join(k.AllowedCIDRs, ", "))
			e.problem.KeyPrefix = k.Prefix
			return nil, e
		}
	}
	if err := s.limits.allow(k, now); err != nil {
		return nil, err
	}
	s.touch(r.Context(), hash, k, now)
	return newPrincipal(k), nil
}

func (s *Server) authFailure(r *http.Request, k *store.APIKey, detail string) error {
	s.audit(r, k, "auth", "", "", "denied", http.StatusUnauthorized, detail)
	return newError(http.StatusUnauthorized, api.CodeUnauthenticated, detail)
}

// touch records last use at most once a minute per key: a write per request
// would make every read a database write.
func (s *Server) touch(ctx context.Context, hash string, k *store.APIKey, now time.Time) {
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < time.Minute {
		return
	}
	if err := s.store.TouchAPIKey(ctx, k.ID, now); err != nil {
		s.logger.WarnContext(ctx, "record key use", "err", err, "key_prefix", k.Prefix)
		return
	}
	s.keys.touched(hash, now)
}

func clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}

func ipAllowed(ip netip.Addr, cidrs []string) bool {
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}

// limiter holds one token bucket per key.
type limiter struct {
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	perSecond rate.Limit
	burst     int
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{buckets: map[string]*rate.Limiter{}, perSecond: rate.Limit(perSecond), burst: burst}
}

func (l *limiter) allow(k *store.APIKey, now time.Time) error {
	limit, burst := l.perSecond, l.burst
	if k.RateLimitPerMinute > 0 {
		limit = rate.Limit(float64(k.RateLimitPerMinute) / 60)
		burst = max(1, min(k.RateLimitPerMinute, l.burst))
	}
	if limit <= 0 {
		return nil
	}
	l.mu.Lock()
	b, ok := l.buckets[k.ID]
	if !ok || b.Limit() != limit || b.Burst() != burst {
		b = rate.NewLimiter(limit, burst)
		l.buckets[k.ID] = b
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay == 0 {
		return nil
	}
	// Give the token back: a refused request must not consume capacity.
	res.CancelAt(now)
	e := errorf(http.StatusTooManyRequests, api.CodeRateLimited, "API key %s exceeded its rate limit; retry after the Retry-After delay", k.Prefix)
	e.retryAfter = int(math.Ceil(delay.Seconds()))
	return e
}
