package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0", 0, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"1.5s", 1500 * time.Millisecond, ""},
		{"30m", 30 * time.Minute, ""},
		{"7d", 7 * day, ""},
		{"90d", 90 * day, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"2w", 14 * day, ""},
		{"1w2d3h4m5s", 9*day + 3*time.Hour + 4*time.Minute + 5*time.Second, ""},
		{"0.5d", 12 * time.Hour, ""},
		{" 1h ", time.Hour, ""},
		{"+1h", time.Hour, ""},
		{"10us", 10 * time.Microsecond, ""},
		{"10µs", 10 * time.Microsecond, ""},
		{"", 0, "empty duration"},
		{"-1s", 0, "duration must not be negative"},
		{"5", 0, "missing unit after 5"},
		{"1h5", 0, "missing unit after 5"},
		{"7days", 0, `unknown unit "days"`},
		{"1y", 0, `unknown unit "y"`},
		{"h", 0, "expected a number"},
		{".d", 0, "expected a number"},
		{"1..5h", 0, "bad number"},
		{"1000000000w", 0, "bad number"},
		{"106751d106751d", 0, "duration out of range"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"0", 0, ""},
		{"1048576", 1 << 20, ""},
		{"100B", 100, ""},
		{"512KiB", 512 << 10, ""},
		{"10MiB", 10 << 20, ""},
		{"20mib", 20 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"2TiB", 2 << 40, ""},
		{"500KB", 500000, ""},
		{"10MB", 10000000, ""},
		{"1GB", 1000000000, ""},
		{"1.5MiB", 3 << 19, ""},
		{"10 MiB", 10 << 20, ""},
		{"", 0, "empty size"},
		{"MiB", 0, "expected a number"},
		{"-1", 0, "expected a number"},
		{"10M", 0, `unknown unit "M"`},
		{"10 megabytes", 0, `unknown unit "megabytes"`},
		{"1.2.3MB", 0, "bad number"},
		{"9223372036854775808", 0, "size out of range"},
		{"9000000TiB", 0, "size out of range"},
		{"9000000.5TiB", 0, "size out of range"},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("ParseSize(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
