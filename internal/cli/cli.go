package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

// Exit codes are part of the contract with cron and scripts.
const (
	ExitOK      = 0  // success
	ExitFailure = 1  // the work ran but found failure
	ExitUsage   = 2  // usage or configuration error
	ExitLocked  = 75 // the archive is locked by another chronicle (EX_TEMPFAIL)
)

const exitHelp = `Exit status:
  0   success
  1   the work ran but found failure (verify found problems; every source failed)
  2   usage or configuration error
  75  the archive is locked by another running chronicle (waited lock_timeout)`

// usageError marks an error as the user's to fix: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// failure marks "the work ran and found failure": exit code 1 with the
// message already printed (or printed here when non-empty).
type failure struct{ msg string }

func (e failure) Error() string { return e.msg }

// globals are the flags every command shares.
type globals struct {
	configPath string
	logLevel   string
	logFormat  string

	stdout, stderr io.Writer
	log            zerolog.Logger
}

// Main runs chronicle with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	var f failure
	if errors.As(err, &f) && f.msg == "" {
		return code
	}
	fmt.Fprintf(stderr, "chronicle: %v\n", err)
	if errors.Is(err, archive.ErrCorrupt) && !strings.Contains(err.Error(), "run 'chronicle verify'") {
		fmt.Fprintln(stderr, "The archive is damaged: run 'chronicle verify' for a full report.")
	}
	if code == ExitUsage && isCobraUsage(err) {
		fmt.Fprintln(stderr, "Run 'chronicle --help' for usage.")
	}
	return code
}

func exitCode(err error) int {
	var ue usageError
	var ce *config.Error
	switch {
	case errors.Is(err, archive.ErrLocked):
		return ExitLocked
	case errors.As(err, &ue), errors.As(err, &ce), isCobraUsage(err):
		return ExitUsage
	default:
		return ExitFailure
	}
}

// isCobraUsage recognises the errors cobra itself returns for bad command
// lines (it has no typed errors for them).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "bad flag syntax"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "chronicle",
		Short: "An archival crawler for news sites",
		Long: `Chronicle follows the listings, feeds and sitemaps of the news sources in its
config, extracts each article, keeps every distinct version of it with its
images in one bbolt archive, exports the archive as Hexo posts, and proves
it intact with verify.

Start with 'chronicle demo' (offline), then write a config.yaml and run
'chronicle crawl'.

` + exitHelp,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// A long-running scheduler logs for a log collector unless told otherwise.
			if cmd.Name() == "schedule" && !cmd.Flags().Changed("log-format") {
				g.logFormat = "json"
			}
			// From cron (stderr not a terminal) a crawl that goes well is
			// quiet: only warnings and errors, unless a level was asked for.
			if cmd.Name() == "crawl" && !cmd.Flags().Changed("log-level") && !isTerminal(g.stderr) {
				g.logLevel = "warn"
			}
			return g.setup()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "", "config file (default $CHRONICLE_CONFIG, else ./config.yaml)")
	pf.StringVar(&g.logLevel, "log-level", "info", "debug|info|warn|error")
	pf.StringVar(&g.logFormat, "log-format", "console", "console|json")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	root.AddCommand(
		newCrawlCommand(g),
		newExportCommand(g),
		newVerifyCommand(g),
		newListCommand(g),
		newShowCommand(g),
		newHistoryCommand(g),
		newReextractCommand(g),
		newExtractCommand(g),
		newDemoCommand(g),
		newScheduleCommand(g),
		newRunsCommand(g),
		newBackupCommand(g),
		newCompactCommand(g),
	)
	return root
}

// setup validates the global flags and builds the logger.
func (g *globals) setup() error {
	lvl, err := zerolog.ParseLevel(g.logLevel)
	if err != nil || g.logLevel == "" {
		return usagef("--log-level: %q is not one of debug, info, warn, error", g.logLevel)
	}
	var w io.Writer
	switch g.logFormat {
	case "json":
		w = g.stderr
	case "console":
		w = zerolog.ConsoleWriter{Out: g.stderr, NoColor: !isTerminal(g.stderr), TimeFormat: "15:04:05"}
	default:
		return usagef("--log-format: %q is not one of console, json", g.logFormat)
	}
	g.log = zerolog.New(w).Level(lvl).With().Timestamp().Logger()
	return nil
}

// configFile is the path of the config file to read.
func (g *globals) configFile() string {
	if g.configPath != "" {
		return g.configPath
	}
	if env := os.Getenv("CHRONICLE_CONFIG"); env != "" {
		return env
	}
	return "config.yaml"
}

func (g *globals) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(g.configFile())
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, usageError{err}
	}
	return cfg, nil
}

// openArchive opens the configured archive. Readers share it with each
// other and with a running crawl (transaction by transaction); a writer
// takes the writer lock <archive>.lock, waiting at most lock_timeout.
func (g *globals) openArchive(cfg *config.Config, readOnly bool) (*archive.Store, error) {
	if readOnly {
		if _, err := os.Stat(cfg.Archive); err != nil {
			return nil, usagef("archive %s: %w (run 'chronicle crawl' first)", cfg.Archive, err)
		}
	}
	st, err := archive.Open(cfg.Archive, archive.Options{Timeout: cfg.LockTimeout, ReadOnly: readOnly})
	if errors.Is(err, archive.ErrLocked) {
		return nil, fmt.Errorf("archive %s is in use by another chronicle (waited %s): %w", cfg.Archive, cfg.LockTimeout, archive.ErrLocked)
	}
	return st, err
}

// readArchive runs fn with the config and the archive opened read-only,
// and closes the archive afterwards.
func (g *globals) readArchive(fn func(*config.Config, *archive.Store) error) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	st, err := g.openArchive(cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, st)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// noArgs and friends turn cobra's argument checks into usage errors.
func wrapArgs(fn cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := fn(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
