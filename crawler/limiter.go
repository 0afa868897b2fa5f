package crawler

import (
	"context"
	"strings"
	"sync"
	"time"
)

// hostLimiter bounds the fetches to each host: at most parallel at once,
// and the starts of two fetches spaced by at least the host's delay. A
// host's delay starts at the configured one and only grows during a run
// (robots.txt Crawl-delay, repeated 429s); a host can also be paused until
// a given time (Retry-After).
type hostLimiter struct {
	parallel int
	delay    time.Duration

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	sem chan struct{}

	mu        sync.Mutex
	delay     time.Duration
	last      time.Time // start of the latest request (zero: none yet)
	lastSent  time.Time // when the latest request got its connection
	notBefore time.Time // no request starts before this (Retry-After)
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

// earliest is when the next request to s may start; s.mu must be held.
func (s *hostSlot) earliest() time.Time {
	t := s.notBefore
	if !s.last.IsZero() {
		if next := s.last.Add(s.delay); next.After(t) {
			t = next
		}
	}
	return t
}

// pace waits until a request to host may start and books that start. A
// fetch calls it before taking a global slot (so a slow host does not hold
// slots other hosts could use, and the wait is not counted in the request
// timeout); the transport calls it for each redirect.
func (l *hostLimiter) pace(ctx context.Context, host string) error {
	s := l.slot(host)
	s.mu.Lock()
	start := s.earliest()
	if now := time.Now(); start.Before(now) {
		start = now
	}
	s.last = start
	s.mu.Unlock()
	return sleep(ctx, time.Until(start))
}

// sent is called when a request to host has its connection, right before
// it is written: it waits until the previous request to host was written
// at least the host's delay ago. pace did the long wait already; this
// absorbs the time a request spent waiting for a connection, so that two
// requests paced apart do not reach the host together.
func (l *hostLimiter) sent(ctx context.Context, host string) error {
	s := l.slot(host)
	s.mu.Lock()
	at := s.notBefore
	if !s.lastSent.IsZero() {
		if next := s.lastSent.Add(s.delay); next.After(at) {
			at = next
		}
	}
	if now := time.Now(); at.Before(now) {
		at = now
	}
	s.lastSent = at
	s.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

// raiseDelay sets the delay of host to d if that is longer than its
// current delay, and returns the delay in force.
func (l *hostLimiter) raiseDelay(host string, d time.Duration) time.Duration {
	s := l.slot(host)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > s.delay {
		s.delay = d
	}
	return s.delay
}

// delayOf returns the delay in force for host.
func (l *hostLimiter) delayOf(host string) time.Duration {
	s := l.slot(host)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay
}

// pause keeps every request to host from starting before until.
func (l *hostLimiter) pause(host string, until time.Time) {
	s := l.slot(host)
	s.mu.Lock()
	if until.After(s.notBefore) {
		s.notBefore = until
	}
	s.mu.Unlock()
}

func (l *hostLimiter) slot(host string) *hostSlot {
	host = strings.ToLower(host)
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, l.parallel), delay: l.delay}
		l.hosts[host] = s
	}
	return s
}

// sleep waits for d, or returns ctx's error when ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
