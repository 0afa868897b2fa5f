package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// measured is one process run: wall time, CPU (user+sys) from the kernel's
// rusage of that process, and its peak RSS.
//
// Peak RSS is the process's VmHWM (/proc/PID/status), read every few
// milliseconds until it exits: on Linux, ru_maxrss of a child started with
// vfork (as Go starts them) also counts the parent's peak, so it would show
// the harness's own memory (the generated site) for every small process.
type measured struct {
	wall   time.Duration
	cpu    time.Duration
	rssKB  int64
	stdout []byte
	stderr []byte
}

// run starts name with args in dir and waits for it. A non-zero exit is an
// error unless its code is in okCodes.
func run(dir, name string, args []string, okCodes ...int) (measured, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Start()
	var hwm atomic.Int64
	if err == nil {
		done := make(chan struct{})
		go func() {
			status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				if kb := vmHWM(status); kb > hwm.Load() {
					hwm.Store(kb)
				}
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
		}()
		err = cmd.Wait()
		close(done)
	}
	m := measured{wall: time.Since(start), stdout: out.Bytes(), stderr: errb.Bytes()}
	if ps := cmd.ProcessState; ps != nil {
		m.cpu = ps.UserTime() + ps.SystemTime()
		m.rssKB = hwm.Load()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && m.rssKB == 0 {
			m.rssKB = ru.Maxrss // KiB on Linux; an upper bound (see above)
		}
		if err != nil && ps.Exited() {
			for _, c := range okCodes {
				if ps.ExitCode() == c {
					err = nil
				}
			}
		}
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	return m, nil
}

// vmHWM reads the peak RSS in KiB from a /proc/PID/status file; 0 once the
// process is gone.
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("VmHWM:"))
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+6 : min(len(b), i+40)]))
	if len(f) == 0 {
		return 0
	}
	kb, _ := strconv.ParseInt(f[0], 10, 64)
	return kb
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// fileSize is the size of a file, 0 if it is missing.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
