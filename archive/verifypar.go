package archive

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// chunkBytes bounds the stored bytes one chunk of a verify walk hands to the
// workers: it keeps a read transaction short (a few tens of milliseconds of
// hashing) and bounds the memory the workers' results hold.
const chunkBytes = 16 << 20

// parallel runs fn(0) ... fn(n-1) on up to GOMAXPROCS goroutines and
// returns when all are done. fn reads values inside the caller's read
// transaction, so each goroutine turns a memory fault into a panic, and the
// first panic is raised again in the caller, where guardedRun reports it.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
	)
	for range workers {
		wg.Go(func() {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					if panicked == nil {
						panicked = r
					}
					mu.Unlock()
					next.Store(int64(n)) // the others stop early
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// chunk bounds one read transaction of a walk.
type chunk struct {
	v     *verifier
	n     int
	bytes int64
	start time.Time
}

func (v *verifier) newChunk() *chunk { return &chunk{v: v, start: time.Now()} }

// full reports whether the chunk has done its share, counting a record of
// size bytes.
func (c *chunk) full(size int) bool {
	c.n++
	c.bytes += int64(size)
	return c.n >= c.v.opts.ChunkRecords || c.bytes >= chunkBytes || time.Since(c.start) >= c.v.opts.ChunkTime
}
