package monitor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"hozur/config"
)

// Mailer sends the monitor's e-mail through the configured SMTP server. A
// nil *Mailer is valid and sends nothing: e-mail is off.
type Mailer struct {
	cfg  config.Mail
	from *netmail.Address
	// TLSConfig, when set, replaces the default TLS settings (certificate
	// checks against the system roots for Host); tests use it to trust a
	// self-signed certificate.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each SMTP command.
	Timeout time.Duration
	// BaseURL is the site's public URL; messages link to it when it is set.
	BaseURL string
}

// NewMailer builds a Mailer from the configuration; with no Host it returns
// nil: e-mail is disabled, and the jobs send nothing.
func NewMailer(cfg config.Mail) (*Mailer, error) {
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, nil //nolint:nilnil // a nil Mailer is "e-mail disabled", a valid answer
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from %q: %w", cfg.From, err)
	}
	switch cfg.TLS {
	case "", "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("mail: tls must be starttls, tls or none, got %q", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == "tls" {
			cfg.Port = 465
		}
	}
	office := make([]string, 0, len(cfg.Office))
	for _, a := range cfg.Office {
		addr, err := netmail.ParseAddress(a)
		if err != nil {
			return nil, fmt.Errorf("mail: office address %q: %w", a, err)
		}
		office = append(office, strings.ToLower(addr.Address))
	}
	cfg.Office = office
	return &Mailer{cfg: cfg, from: from, Timeout: 30 * time.Second}, nil
}

// Enabled reports whether e-mail is on.
func (mm *Mailer) Enabled() bool { return mm != nil }

// Office lists the oversight office's addresses.
func (mm *Mailer) Office() []string {
	if mm == nil {
		return nil
	}
	return mm.cfg.Office
}

// link is an absolute URL to a page of the site, or "" without a BaseURL.
func (mm *Mailer) link(path string) string {
	if mm == nil || mm.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(mm.BaseURL, "/") + path
}

// SetMailer turns e-mail on (or off, with nil) for the mail jobs.
func (m *Monitor) SetMailer(mm *Mailer) { m.mailer.Store(mm) }

// Mailer is the monitor's mailer; nil when e-mail is off.
func (m *Monitor) Mailer() *Mailer { return m.mailer.Load() }

func (mm *Mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(mm.cfg.Port), gomail.WithTimeout(mm.Timeout)}
	if mm.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(mm.TLSConfig))
	}
	auth := gomail.SMTPAuthAutoDiscover
	switch mm.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		// Only for a relay on the same host: go-mail's PLAIN refuses to send
		// a password in the clear to any other host.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		auth = gomail.SMTPAuthPlain
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if mm.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(mm.cfg.Username), gomail.WithPassword(mm.cfg.Password))
	}
	c, err := gomail.NewClient(mm.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail client: %w", err)
	}
	return c, nil
}

// attachment is a file sent with a message.
type attachment struct {
	Name string
	Type string
	Data []byte
}

// xlsxType is the MIME type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// outMessage is one message to one recipient, before it becomes MIME.
type outMessage struct {
	Key     string // the delivery key; the Message-ID derives from it
	To      string
	Subject string
	Text    string
	HTML    string
	Attach  []attachment
}

// messageID is the same for every attempt at one delivery, so a receiver
// that got an attempt we believe failed can still recognise the resend.
func (mm *Mailer) messageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	domain := "hozur.local"
	if _, d, ok := strings.Cut(mm.from.Address, "@"); ok && d != "" {
		domain = d
	}
	return hex.EncodeToString(sum[:16]) + "@" + domain
}

// build turns a message into MIME: plain text with an HTML alternative,
// then attachments.
func (mm *Mailer) build(msg outMessage, now time.Time) (*gomail.Msg, error) {
	// Base64: Persian text is a third the size it would be quoted-printable.
	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingB64))
	g.FromMailAddress(mm.from)
	if err := g.To(msg.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	g.Subject(msg.Subject)
	g.SetMessageIDWithValue(mm.messageID(msg.Key))
	g.SetDateWithValue(now)
	g.SetGenHeader(gomail.HeaderUserAgent, "Hozur")
	// RFC 3834: an automatic message; out-of-office replies stay away.
	g.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	g.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	g.SetGenHeader(gomail.Header("Content-Language"), "fa")
	g.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		g.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	for _, a := range msg.Attach {
		if err := g.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.Type))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return g, nil
}

// errDial marks a failure to reach the server, as opposed to one message
// refused.
var errDial = errors.New("connect to mail server")

// mailSession sends a run's messages over one connection, dialled when the
// first message goes. After a failed send it dials again for the next
// message; when dialling itself fails, every later message of the run fails
// at once with that error instead of waiting on the server again.
type mailSession struct {
	mm      *Mailer
	c       *gomail.Client
	dialErr error
}

func (mm *Mailer) session() *mailSession { return &mailSession{mm: mm} }

func (s *mailSession) send(ctx context.Context, msg outMessage, now time.Time) error {
	g, err := s.mm.build(msg, now)
	if err != nil {
		return err
	}
	if s.dialErr != nil {
		return s.dialErr
	}
	if s.c == nil {
		c, err := s.mm.client()
		if err != nil {
			s.dialErr = err
			return err
		}
		if err := c.DialWithContext(ctx); err != nil {
			s.dialErr = fmt.Errorf("%w: %w", errDial, err)
			return s.dialErr
		}
		s.c = c
	}
	if err := s.c.Send(g); err != nil {
		// The connection may be broken: start afresh for the next message.
		_ = s.c.Close()
		s.c = nil
		return err
	}
	return nil
}

func (s *mailSession) close() {
	if s.c != nil {
		_ = s.c.Close()
		s.c = nil
	}
}

// errorSummary describes a send error without the server's text, which may
// echo addresses: for logs.
func errorSummary(err error) string {
	var se *gomail.SendError
	if errors.As(err, &se) {
		out := se.Reason.String()
		if se.ErrorCode() != 0 {
			out += fmt.Sprintf(" (smtp %d %s)", se.ErrorCode(), se.EnhancedStatusCode())
		}
		return strings.TrimSpace(out)
	}
	if errors.Is(err, errDial) {
		return errDial.Error() + " failed"
	}
	return "send failed"
}

// domainOf is the part of an address after "@", the most a log may say
// about a recipient.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
