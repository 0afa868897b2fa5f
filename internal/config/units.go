package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a non-negative duration: a Go duration ("1h30m",
// "250ms") in which d (24 hours) and w (7 days) are also allowed as units
// ("7d", "1d12h", "2w"). "0" needs no unit.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if s == "0" {
		return 0, nil
	}
	if s[0] == '-' {
		return 0, errors.New("duration must not be negative")
	}
	s = strings.TrimPrefix(s, "+")
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		num := s[:i]
		if num == "" || num == "." {
			return 0, errors.New("expected a number")
		}
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		unit := s[:j]
		s = s[j:]
		var d time.Duration
		var err error
		switch unit {
		case "":
			return 0, fmt.Errorf("missing unit after %s (use ns, us, ms, s, m, h, d or w)", num)
		case "d", "w":
			mult := time.Duration(24)
			if unit == "w" {
				mult = 24 * 7
			}
			d, err = time.ParseDuration(num + "h")
			if err == nil && d > math.MaxInt64/mult {
				err = errors.New("out of range")
			}
			d *= mult
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
			d, err = time.ParseDuration(num + unit)
		default:
			return 0, fmt.Errorf("unknown unit %q (use ns, us, ms, s, m, h, d or w)", unit)
		}
		if err != nil {
			return 0, fmt.Errorf("bad number %q: out of range or malformed", num+unit)
		}
		if total > math.MaxInt64-d {
			return 0, errors.New("duration out of range")
		}
		total += d
	}
	return total, nil
}

var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1000,
	"mb":  1000 * 1000,
	"gb":  1000 * 1000 * 1000,
	"tb":  1000 * 1000 * 1000 * 1000,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
	"tib": 1 << 40,
}

// ParseSize parses a non-negative byte count: a plain number of bytes
// ("1048576") or a number with a unit, binary ("512KiB", "10MiB", "1GiB",
// "1TiB") or decimal ("500KB", "10MB", "1GB", "1TB"). Units are not case
// sensitive and may be separated from the number by spaces; fractions are
// allowed ("1.5MiB") and rounded down to whole bytes.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty size")
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num := s[:i]
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	if num == "" {
		return 0, errors.New("expected a number")
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)", strings.TrimSpace(s[i:]))
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/mult {
			return 0, errors.New("size out of range")
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", num)
	}
	v := math.Floor(f * float64(mult))
	if v >= math.MaxInt64 || math.IsNaN(v) {
		return 0, errors.New("size out of range")
	}
	return int64(v), nil
}
