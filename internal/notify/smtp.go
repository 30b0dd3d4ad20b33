package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"
)

// TLS policies for SMTP.
const (
	// TLSOpportunistic upgrades with STARTTLS when the server offers it
	// (the default).
	TLSOpportunistic = "starttls"
	// TLSRequired refuses to send unless the server offers STARTTLS.
	TLSRequired = "starttls-required"
	// TLSImplicit connects with TLS from the start (port 465).
	TLSImplicit = "tls"
	// TLSNone never uses TLS; only for a relay on the same host.
	TLSNone = "none"
)

// SMTPConfig configures sending e-mail (EGOV_SMTP_* settings).
type SMTPConfig struct {
	Addr     string // host:port
	From     string // e.g. "egov <no-reply@egov.az>"
	Username string // AUTH PLAIN when set (only over TLS, or to localhost)
	Password string
	TLS      string // TLSOpportunistic (default), TLSRequired, TLSImplicit, TLSNone
	// TLSConfig overrides the TLS settings (tests trust a self-signed
	// certificate with it). ServerName defaults to Addr's host.
	TLSConfig *tls.Config
	HelloName string        // EHLO name; default "localhost"
	Timeout   time.Duration // for the whole conversation; default 15 s
}

// PermanentError is a refusal that retrying will not change: an SMTP 5xx
// reply (a hard bounce) or a provider's final rejection. Reason is what
// the server said.
type PermanentError struct{ Reason string }

func (e *PermanentError) Error() string { return "permanent failure: " + e.Reason }

// SMTPMailer sends e-mail over SMTP.
type SMTPMailer struct {
	cfg  SMTPConfig
	from *mail.Address
}

// NewSMTPMailer checks cfg and returns a mailer.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("notify: SMTP address %q: %w", cfg.Addr, err)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP from %q: %w", cfg.From, err)
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSOpportunistic
	case TLSOpportunistic, TLSRequired, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("notify: SMTP TLS policy %q (want %s, %s, %s or %s)", cfg.TLS, TLSOpportunistic, TLSRequired, TLSImplicit, TLSNone)
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &SMTPMailer{cfg: cfg, from: from}, nil
}

// From is the sender address, formatted for the From header.
func (m *SMTPMailer) From() string { return m.from.String() }

// Domain is the sender's domain, used in Message-IDs.
func (m *SMTPMailer) Domain() string {
	at := len(m.from.Address) - 1
	for at >= 0 && m.from.Address[at] != '@' {
		at--
	}
	return m.from.Address[at+1:]
}

// Send delivers e to e.To. A 5xx reply is a *PermanentError carrying the
// server's reply; anything else that fails (4xx, network, TLS) is
// temporary and worth retrying.
func (m *SMTPMailer) Send(ctx context.Context, e Email) error {
	err := m.send(ctx, e)
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return &PermanentError{Reason: fmt.Sprintf("%d %s", tp.Code, tp.Msg)}
	}
	return err
}

func (m *SMTPMailer) send(ctx context.Context, e Email) error {
	host, _, _ := net.SplitHostPort(m.cfg.Addr)
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if m.cfg.TLSConfig != nil {
		tlsConfig = m.cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("notify: smtp dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if m.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("notify: smtp tls: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("notify: smtp greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(m.cfg.HelloName); err != nil {
		return fmt.Errorf("notify: smtp hello: %w", err)
	}
	if m.cfg.TLS == TLSOpportunistic || m.cfg.TLS == TLSRequired {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("notify: smtp starttls: %w", err)
			}
		} else if m.cfg.TLS == TLSRequired {
			return fmt.Errorf("notify: smtp server %s does not offer STARTTLS", m.cfg.Addr)
		}
	}
	if m.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.cfg.Username, m.cfg.Password, host)); err != nil {
			return fmt.Errorf("notify: smtp auth: %w", err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return fmt.Errorf("notify: smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(e.To); err != nil {
		return fmt.Errorf("notify: smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("notify: smtp DATA: %w", err)
	}
	if _, err := w.Write(e.Bytes()); err != nil {
		return fmt.Errorf("notify: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: smtp end of data: %w", err)
	}
	// The message is accepted; a failing QUIT does not undo that.
	c.Quit()
	return nil
}
