package canon

import (
	"errors"
	"net/url"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"lower scheme and host", "HTTPS://News.Example.COM/Path/A", "https://news.example.com/Path/A", false},
		{"default http port", "http://example.com:80/a", "http://example.com/a", false},
		{"default https port", "https://example.com:443/a", "https://example.com/a", false},
		{"other port kept", "https://example.com:8443/a", "https://example.com:8443/a", false},
		{"https port on http kept", "http://example.com:443/a", "http://example.com:443/a", false},
		{"empty port", "http://example.com:/a", "http://example.com/a", false},
		{"empty path", "https://example.com", "https://example.com/", false},
		{"fragment", "https://example.com/a#comments", "https://example.com/a", false},
		{"utm removed", "https://example.com/a?utm_source=x&id=7&UTM_Medium=y", "https://example.com/a?id=7", false},
		{"only tracking", "https://example.com/a?utm_source=x&fbclid=1", "https://example.com/a", false},
		{"click ids", "https://example.com/a?gclid=1&b=2&spm=a.b.c&msclkid=3", "https://example.com/a?b=2", false},
		{"order and encoding kept", "https://example.com/a?z=1&a=%E4%B8%AD&m=a+b", "https://example.com/a?z=1&a=%E4%B8%AD&m=a+b", false},
		{"empty params dropped", "https://example.com/a?&&x=1&", "https://example.com/a?x=1", false},
		{"trailing question mark", "https://example.com/a?", "https://example.com/a", false},
		{"escaped path kept", "https://example.com/a%2Fb/c", "https://example.com/a%2Fb/c", false},
		{"unicode path", "https://example.com/新闻/1", "https://example.com/%E6%96%B0%E9%97%BB/1", false},
		{"ipv6 default port", "http://[::1]:80/x", "http://[::1]/x", false},
		{"spaces trimmed", "  https://example.com/a \n", "https://example.com/a", false},
		{"relative", "/article/1", "", true},
		{"no host", "https:///a", "", true},
		{"opaque", "mailto:someone@example.com", "", true},
		{"bad escape", "https://example.com/%zz", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := URL(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("URL(%q) = %q, want error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("URL(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	base, err := url.Parse("https://Example.com/channel/1/index.html?page=2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ ref, want string }{
		{"../../article/5?utm_campaign=rss", "https://example.com/article/5"},
		{"article/6#top", "https://example.com/channel/1/article/6"},
		{"//cdn.example.com/x.jpg", "https://cdn.example.com/x.jpg"},
		{"?page=3", "https://example.com/channel/1/index.html?page=3"},
		{"HTTP://Other.ORG:80", "http://other.org/"},
		{"", "https://example.com/channel/1/index.html?page=2"},
	}
	for _, tt := range tests {
		got, err := Resolve(base, tt.ref)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", tt.ref, err)
		}
		if got != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
	if _, err := Resolve(nil, "/relative"); !errors.Is(err, ErrNotAbsolute) {
		t.Errorf("Resolve(nil, relative) error = %v, want ErrNotAbsolute", err)
	}
	if got, err := Resolve(nil, "https://a.example/b?utm_x=1"); err != nil || got != "https://a.example/b" {
		t.Errorf("Resolve(nil, absolute) = %q, %v", got, err)
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a?utm_source=x&id=1#f",
		"HTTP://EXAMPLE.COM:80",
		"http://[::1]:443/%2F?a=%zz",
		"https://例子.测试/新闻?q=中文",
		"http://a:b@host:/p;x?&&#",
		"//no-scheme/x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := URL(raw)
		if err != nil {
			return
		}
		again, err := URL(got)
		if err != nil {
			t.Fatalf("URL(%q) = %q, which fails: %v", raw, got, err)
		}
		if again != got {
			t.Fatalf("not idempotent: URL(%q) = %q, URL(%q) = %q", raw, got, got, again)
		}
	})
}

func TestSameSite(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://www.example.com/a", "https://m.example.com/b", true},
		{"https://example.com/a", "http://EXAMPLE.com:80/b", true},
		{"https://example.com/a", "http://example.com:8080/b", false},
		{"http://example.com:8080/a", "http://example.com:8080/b", true},
		{"https://example.com/a", "https://other.com/a", false},
		{"https://a.github.io/", "https://b.github.io/", false},
		{"https://news.bbc.co.uk/", "https://www.bbc.co.uk/", true},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:9090/b", false},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b", true},
		{"http://127.0.0.1/a", "http://127.0.0.2/b", false},
		{"http://localhost/a", "http://localhost:80/b", true},
		{"/relative", "https://example.com/", false},
		{"::bad", "https://example.com/", false},
	}
	for _, tc := range tests {
		if got := SameSite(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSite(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
