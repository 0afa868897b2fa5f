package crawler

import (
	"context"
	"strings"
	"sync"
	"time"
)

// hostLimiter bounds the fetches to each host: at most parallel at once,
// and the starts of two fetches spaced by at least delay.
type hostLimiter struct {
	parallel int
	delay    time.Duration

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	sem  chan struct{}
	mu   sync.Mutex
	next time.Time // earliest start of the next fetch
}

func newHostLimiter(parallel int, delay time.Duration) *hostLimiter {
	return &hostLimiter{parallel: max(parallel, 1), delay: delay, hosts: map[string]*hostSlot{}}
}

// acquire waits for one of the parallel slots of host; release must be
// called when the fetch is done.
func (l *hostLimiter) acquire(ctx context.Context, host string) (release func(), err error) {
	s := l.slot(host)
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// pace waits until a request to host may start (delay after the previous
// start). It is called by the transport right before each request goes out,
// redirects and robots.txt included, so the spacing is what the host sees.
func (l *hostLimiter) pace(ctx context.Context, host string) error {
	if l.delay <= 0 {
		return nil
	}
	s := l.slot(host)
	s.mu.Lock()
	now := time.Now()
	start := s.next
	if start.Before(now) {
		start = now
	}
	s.next = start.Add(l.delay)
	s.mu.Unlock()
	wait := time.Until(start)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *hostLimiter) slot(host string) *hostSlot {
	host = strings.ToLower(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, l.parallel)}
		l.hosts[host] = s
	}
	return s
}
