// Package config reads egov's settings from flags and EGOV_* environment
// variables. One table lists every setting, its default and what it does;
// the README's configuration table is written from it.
package config

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	Demo            bool
	BaseURL         string
	Secret          string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	SecureCookies   bool

	ClamdAddr string

	// GatewayKeepBodies keeps exchanges' bodies in the gateway's message
	// log, sealed; GatewayRetention is how long the log keeps an exchange
	// (zero: for ever).
	GatewayKeepBodies bool
	GatewayRetention  time.Duration

	// GovStackAddr is where the GovStack building-block APIs listen;
	// empty: not served.
	GovStackAddr string

	PaymentsURL           string
	PaymentsAPIKey        string
	PaymentsWebhookSecret string

	SMTPAddr     string
	SMTPFrom     string
	SMTPUsername string
	SMTPPassword string
	SMTPTLS      string

	FederationName         string
	FederationIssuer       string
	FederationClientID     string
	FederationClientSecret string
}

// Setting describes one setting: flag name, environment variable, default
// and meaning.
type Setting struct {
	Flag, Env, Default, Usage string
	set                       func(c *Config, v string) error
}

// Settings is the table of every setting.
var Settings = []Setting{
	{"addr", "EGOV_ADDR", ":8080", "listen address", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"data-dir", "EGOV_DATA_DIR", "./egov-data", "data directory of the embedded store (SQLite) and files", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"database-url", "EGOV_DATABASE_URL", "", "PostgreSQL URL (postgres://…); empty uses the embedded SQLite store", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"demo", "EGOV_DEMO", "auto", "seed demo data and allow demo sign-in: true, false, or auto (true on the embedded store)", nil},
	{"base-url", "EGOV_BASE_URL", "", "public URL of the site, used in links and e-mails (default http://localhost + addr)", func(c *Config, v string) error { c.BaseURL = v; return nil }},
	{"secret", "EGOV_SECRET", "", "key for signing cookies and CSRF tokens; empty: generated once and kept in the database", func(c *Config, v string) error { c.Secret = v; return nil }},
	{"log-level", "EGOV_LOG_LEVEL", "info", "debug, info, warn or error", func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"log-format", "EGOV_LOG_FORMAT", "text", "text or json", func(c *Config, v string) error { c.LogFormat = v; return nil }},
	{"shutdown-timeout", "EGOV_SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may take to finish on SIGTERM", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.ShutdownTimeout = d
		return err
	}},
	{"govstack-addr", "EGOV_GOVSTACK_ADDR", "", "listen address of the GovStack building-block APIs (docs/GOVSTACK.md); empty: not served", func(c *Config, v string) error { c.GovStackAddr = v; return nil }},
	{"gateway-keep-bodies", "EGOV_GATEWAY_KEEP_BODIES", "false", "keep request and response bodies in the gateway's message log, encrypted (AES-256-GCM) under a key derived from the site secret", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.GatewayKeepBodies = b
		return err
	}},
	{"gateway-retention", "EGOV_GATEWAY_RETENTION", "0", "how long the gateway's message log keeps an exchange (e.g. 8760h); older entries are cut behind a signed anchor; 0: kept for ever", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.GatewayRetention = d
		return err
	}},
	{"clamd-addr", "EGOV_CLAMD_ADDR", "", "ClamAV clamd (host:port) to scan uploaded files with; empty: the built-in signature scanner", func(c *Config, v string) error { c.ClamdAddr = v; return nil }},
	{"payments-url", "EGOV_PAYMENTS_URL", "", "the card acquirer's API base URL; empty: the built-in sandbox acquirer at /sandbox-acquirer", func(c *Config, v string) error { c.PaymentsURL = v; return nil }},
	{"payments-api-key", "EGOV_PAYMENTS_API_KEY", "", "egov's API key at the acquirer (ignored with the sandbox)", func(c *Config, v string) error { c.PaymentsAPIKey = v; return nil }},
	{"payments-webhook-secret", "EGOV_PAYMENTS_WEBHOOK_SECRET", "", "the secret the acquirer signs its webhooks with (ignored with the sandbox)", func(c *Config, v string) error { c.PaymentsWebhookSecret = v; return nil }},
	{"smtp-addr", "EGOV_SMTP_ADDR", "", "SMTP server (host:port) to send e-mail through; empty: e-mail is not sent", func(c *Config, v string) error { c.SMTPAddr = v; return nil }},
	{"smtp-from", "EGOV_SMTP_FROM", "egov <no-reply@localhost>", "sender of e-mail, e.g. \"egov <no-reply@egov.az>\"", func(c *Config, v string) error { c.SMTPFrom = v; return nil }},
	{"smtp-username", "EGOV_SMTP_USERNAME", "", "SMTP AUTH PLAIN user name; empty: no authentication", func(c *Config, v string) error { c.SMTPUsername = v; return nil }},
	{"smtp-password", "EGOV_SMTP_PASSWORD", "", "SMTP AUTH PLAIN password", func(c *Config, v string) error { c.SMTPPassword = v; return nil }},
	{"smtp-tls", "EGOV_SMTP_TLS", "starttls", "SMTP TLS: starttls (when offered), starttls-required, tls (implicit, port 465) or none", func(c *Config, v string) error { c.SMTPTLS = v; return nil }},
	{"federation-issuer", "EGOV_FEDERATION_ISSUER", "", "issuer URL of an external OpenID Connect provider to sign in through; empty: none", func(c *Config, v string) error { c.FederationIssuer = v; return nil }},
	{"federation-client-id", "EGOV_FEDERATION_CLIENT_ID", "", "egov's client id at the federation provider", func(c *Config, v string) error { c.FederationClientID = v; return nil }},
	{"federation-client-secret", "EGOV_FEDERATION_CLIENT_SECRET", "", "egov's client secret at the federation provider", func(c *Config, v string) error { c.FederationClientSecret = v; return nil }},
	{"federation-name", "EGOV_FEDERATION_NAME", "", "provider name on the sign-in button (default: the issuer's host)", func(c *Config, v string) error { c.FederationName = v; return nil }},
	{"secure-cookies", "EGOV_SECURE_COOKIES", "false", "mark cookies Secure (set true behind HTTPS)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.SecureCookies = b
		return err
	}},
}

// Load parses args (without the program name) over the environment over
// the defaults. Flags win over environment variables. Unknown flags are an
// error; remaining positional arguments are returned. extra registers a
// subcommand's own flags on the same set.
func Load(args []string, getenv func(string) string, extra ...func(*flag.FlagSet)) (*Config, []string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	fs := flag.NewFlagSet("egov", flag.ContinueOnError)
	values := make([]*string, len(Settings))
	for i, s := range Settings {
		def := s.Default
		if v := getenv(s.Env); v != "" {
			def = v
		}
		values[i] = fs.String(s.Flag, def, s.Usage+" ("+s.Env+")")
	}
	for _, register := range extra {
		register(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	c := &Config{}
	demo := "auto"
	for i, s := range Settings {
		v := *values[i]
		if s.Flag == "demo" {
			demo = v
			continue
		}
		if err := s.set(c, v); err != nil {
			return nil, nil, fmt.Errorf("config: %s (%s): %w", s.Flag, s.Env, err)
		}
	}
	switch strings.ToLower(demo) {
	case "auto", "":
		c.Demo = c.DatabaseURL == ""
	default:
		b, err := strconv.ParseBool(demo)
		if err != nil {
			return nil, nil, fmt.Errorf("config: demo (EGOV_DEMO): %w", err)
		}
		c.Demo = b
	}
	if c.BaseURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.BaseURL = "http://" + host
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c, fs.Args(), nil
}
