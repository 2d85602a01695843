package monitor

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/xuri/excelize/v2"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/storetest"
)

// ---- a real SMTP server inside the test ----

// mailSink is an SMTP server on 127.0.0.1 that keeps what it receives. It
// offers STARTTLS with a self-signed certificate and AUTH PLAIN, and
// refuses mail before authentication.
type mailSink struct {
	t    *testing.T
	addr string
	port int
	cert *x509.Certificate
	srv  *smtp.Server
	l    net.Listener

	mu   sync.Mutex
	got  []mailReceived
	fail bool // answer DATA with a temporary failure
}

// mailReceived is one message as the server got it.
type mailReceived struct {
	From string
	To   []string
	Data []byte
}

const (
	sinkUser = "hozur"
	sinkPass = "smtp secret"
)

// mailSinkMode is how the server speaks: STARTTLS on a plain port,
// implicit TLS, or no TLS at all.
type mailSinkMode string

func startMailSink(t *testing.T, mode mailSinkMode) *mailSink {
	t.Helper()
	s := &mailSink{t: t}
	tlsCfg := s.selfSigned()
	be := smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil })
	s.srv = smtp.NewServer(be)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	var l net.Listener
	var err error
	switch mode {
	case "tls":
		l, err = tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	case "none":
		s.srv.AllowInsecureAuth = true
		l, err = net.Listen("tcp", "127.0.0.1:0")
	default:
		s.srv.TLSConfig = tlsCfg
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.l, s.addr, s.port = l, l.Addr().String(), l.Addr().(*net.TCPAddr).Port
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(s.stop)
	return s
}

// stop closes the listener itself too: Server.Close alone misses a
// listener that Serve has not taken up yet.
func (s *mailSink) stop() {
	_ = s.l.Close()
	_ = s.srv.Close()
}

// selfSigned makes a certificate for 127.0.0.1 that only this test trusts.
func (s *mailSink) selfSigned() *tls.Config {
	s.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hozur test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		s.t.Fatal(err)
	}
	if s.cert, err = x509.ParseCertificate(der); err != nil {
		s.t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// mailer is a Mailer pointed at the sink, trusting its certificate.
func (s *mailSink) mailer(t *testing.T, mode mailSinkMode, office ...string) *Mailer {
	t.Helper()
	mm, err := NewMailer(config.Mail{Host: "127.0.0.1", Port: s.port, TLS: string(mode), Username: sinkUser, Password: sinkPass,
		From: "Hozur <hozur@oversight.example.ir>", Office: office})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	mm.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	mm.Timeout = 5 * time.Second
	mm.BaseURL = "https://hozur.example.ir/"
	return mm
}

func (s *mailSink) setFail(v bool) { s.mu.Lock(); s.fail = v; s.mu.Unlock() }

func (s *mailSink) received() []mailReceived {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

type sinkSession struct {
	sink   *mailSink
	authed bool
	from   string
	to     []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != sinkUser || pass != sinkPass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.sink.mu.Lock()
	defer ss.sink.mu.Unlock()
	if ss.sink.fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.sink.got = append(ss.sink.got, mailReceived{From: ss.from, To: slices.Clone(ss.to), Data: b})
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

// ---- reading what arrived ----

// parsedMail is a received message taken apart.
type parsedMail struct {
	Header  netmail.Header
	Subject string
	To      string
	Text    string
	HTML    string
	Files   []mailFile
}

type mailFile struct {
	Name, Type string
	Data       []byte
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	p := parsedMail{Header: msg.Header, Subject: subj, To: msg.Header.Get("To")}
	walkPart(t, &p, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return p
}

func walkPart(t *testing.T, p *parsedMail, ctype, enc, disp string, body io.Reader) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walkPart(t, p, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.Header.Get("Content-Disposition"), part)
		}
	}
	switch strings.ToLower(enc) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: body})
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read part %s: %v", mt, err)
	}
	if strings.HasPrefix(disp, "attachment") {
		_, dp, _ := mime.ParseMediaType(disp)
		p.Files = append(p.Files, mailFile{Name: dp["filename"], Type: mt, Data: data})
		return
	}
	switch mt {
	case "text/plain":
		p.Text = string(data)
	case "text/html":
		p.HTML = string(data)
	}
}

// newlineStripper drops CR and LF so base64 with line breaks decodes.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(b []byte) (int, error) {
	k, err := n.r.Read(b)
	j := 0
	for _, c := range b[:k] {
		if c != '\r' && c != '\n' {
			b[j] = c
			j++
		}
	}
	return j, err
}

// byRecipient maps each received message's envelope recipient to it.
func byRecipient(t *testing.T, got []mailReceived) map[string]parsedMail {
	t.Helper()
	out := map[string]parsedMail{}
	for _, g := range got {
		if len(g.To) != 1 {
			t.Fatalf("message to %d recipients, want one per message", len(g.To))
		}
		if _, dup := out[g.To[0]]; dup {
			t.Fatalf("two messages to %s", g.To[0])
		}
		out[g.To[0]] = parseMail(t, g.Data)
	}
	return out
}

func recipients(m map[string]parsedMail) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---- a registry to mail about ----

// mailEnv is a registry with a ministry, a directorate under it, a second
// ministry, an official with an account, and users with addresses.
type mailEnv struct {
	t        *testing.T
	now      time.Time
	s        *registry.Store
	m        *Monitor
	ministry *registry.Agency
	dept     *registry.Agency
	other    *registry.Agency
	official *registry.OfficialView
	account  *registry.AccountView
	offUser  registry.Actor
	reviewer registry.Actor
}

func mailCtx() context.Context { return context.Background() }

func mailTehran(y, m, d, h, mi int) time.Time {
	return time.Date(y, time.Month(m), d, h, mi, 0, 0, registry.DefaultRules().Location)
}

func mailMust[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	e := &mailEnv{t: t, now: mailTehran(2026, 11, 1, 9, 0)}
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	s, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(mailCtx()); err != nil {
		t.Fatal(err)
	}
	e.s, e.m = s, New(s, DefaultSettings(), nil)
	ctx, sys := mailCtx(), registry.System
	e.ministry = mailMust[*registry.Agency](t)(s.CreateAgency(ctx, sys, registry.AgencyInput{Code: "MIN-ICT", Name: "وزارت ارتباطات", Kind: registry.KindMinistry}))
	e.dept = mailMust[*registry.Agency](t)(s.CreateAgency(ctx, sys, registry.AgencyInput{Code: "ICT-PR", Name: "ادارهٔ کل روابط عمومی", Kind: registry.KindOrganisation, ParentID: &e.ministry.ID}))
	e.other = mailMust[*registry.Agency](t)(s.CreateAgency(ctx, sys, registry.AgencyInput{Code: "MIN-HEALTH", Name: "وزارت بهداشت", Kind: registry.KindMinistry}))
	e.official = mailMust[*registry.OfficialView](t)(s.CreateOfficial(ctx, sys, registry.OfficialInput{AgencyID: e.dept.ID, Name: "سارا احمدی", Position: "مدیرکل روابط عمومی",
		Rank: 3, Serving: true, Email: "Sara.Record@Ict.example.ir"}))
	e.account = mailMust[*registry.AccountView](t)(s.CreateAccount(ctx, sys, registry.AccountInput{URL: "https://x.com/sara_ahmadi", Capacity: registry.CapacityOffice, OfficialID: e.official.ID}))
	e.offUser = e.user("sara", registry.RoleOfficial, 0, e.official.ID, "sara@ict.example.ir")
	e.reviewer = e.user("reviewer", registry.RoleReviewer, 0, 0, "reviewer@oversight.example.ir")
	e.user("ict-liaison", registry.RoleLiaison, e.ministry.ID, 0, "liaison@ict.example.ir")
	e.user("pr-liaison", registry.RoleLiaison, e.dept.ID, 0, "pr@ict.example.ir")
	e.user("health-liaison", registry.RoleLiaison, e.other.ID, 0, "liaison@health.example.ir")
	e.user("silent-liaison", registry.RoleLiaison, e.ministry.ID, 0, "")
	return e
}

func (e *mailEnv) user(name string, role registry.Role, agency, official int64, email string) registry.Actor {
	e.t.Helper()
	u := mailMust[*registry.User](e.t)(e.s.CreateUser(mailCtx(), registry.System, registry.UserInput{Username: name, Password: "a long password", Role: role,
		AgencyID: agency, OfficialID: official, Email: email, Active: true}))
	return mailMust[registry.Actor](e.t)(e.s.ActorFor(mailCtx(), u))
}

// exemption gives the account an exemption ending on the given day.
func (e *mailEnv) exemption(accountID int64, until time.Time) registry.Exemption {
	e.t.Helper()
	ex := registry.Exemption{AccountID: accountID, ValidFrom: mailTehran(2026, 1, 1, 0, 0), ValidUntil: until, CreatedAt: e.now}
	if err := e.s.Write(mailCtx()).Create(&ex).Error; err != nil {
		e.t.Fatal(err)
	}
	return ex
}

func (e *mailEnv) deliveries() []Delivery {
	e.t.Helper()
	var out []Delivery
	if err := e.s.Read(mailCtx()).Order("id").Find(&out).Error; err != nil {
		e.t.Fatal(err)
	}
	return out
}

// ---- tests ----

func TestNewMailerDisabledWithoutHost(t *testing.T) {
	mm, err := NewMailer(config.Mail{Port: 587, TLS: "starttls"})
	if err != nil || mm != nil || mm.Enabled() {
		t.Fatalf("NewMailer without host = %v, %v; want nil, nil", mm, err)
	}
	if _, err := NewMailer(config.Mail{Host: "smtp.example.ir", Port: 587, TLS: "starttls", From: "not an address"}); err == nil {
		t.Error("a bad From was accepted")
	}
	// With no mailer, the jobs do nothing and record nothing.
	e := newMailEnv(t)
	e.exemption(e.account.ID, mailTehran(2026, 11, 8, 0, 0))
	for name, job := range map[string]JobFunc{"reports": e.m.SendWeeklyReports, "reminders": e.m.SendReminders,
		"notifications": e.m.SendNotifications, "retry": e.m.RetryPending} {
		if err := job(mailCtx(), e.now); err != nil {
			t.Errorf("%s without mailer: %v", name, err)
		}
	}
	if d := e.deliveries(); len(d) != 0 {
		t.Errorf("deliveries recorded without a mailer: %d", len(d))
	}
}

func TestReminders(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	e.m.SetMailer(sink.mailer(t, "starttls"))
	until := mailTehran(2026, 12, 31, 0, 0) // the exemption's last day
	ex := e.exemption(e.account.ID, until)
	// A revoked exemption and one on another account in another ministry
	// ending the same day.
	other := mailMust[*registry.AccountView](t)(e.s.CreateAccount(mailCtx(), registry.System, registry.AccountInput{URL: "https://instagram.com/health_ministry",
		Capacity: registry.CapacityInstitutional, AgencyID: e.other.ID}))
	e.exemption(other.ID, until)
	revoked := e.exemption(mailMust[*registry.AccountView](t)(e.s.CreateAccount(mailCtx(), registry.System, registry.AccountInput{URL: "https://t.me/ict_news",
		Capacity: registry.CapacityInstitutional, AgencyID: e.ministry.ID})).ID, until)
	if err := e.s.Write(mailCtx()).Model(&registry.Exemption{}).Where("id = ?", revoked.ID).Update("revoked_at", e.now).Error; err != nil {
		t.Fatal(err)
	}
	sara := []string{"liaison@ict.example.ir", "pr@ict.example.ir", "sara.record@ict.example.ir", "sara@ict.example.ir"}
	health := []string{"liaison@health.example.ir"}
	both := append(slices.Clone(sara), health...)
	sort.Strings(both)
	for _, c := range []struct {
		name string
		now  time.Time
		to   []string // who gets a new reminder
		days int
	}{
		{"31 days before", mailTehran(2026, 11, 30, 23, 59), nil, 0},
		{"30 days before, first minute", mailTehran(2026, 12, 1, 0, 0), both, 30},
		{"30 days before, again", mailTehran(2026, 12, 1, 23, 59), nil, 0},
		{"29 days before", mailTehran(2026, 12, 2, 8, 0), nil, 0},
		{"8 days before", mailTehran(2026, 12, 23, 8, 0), nil, 0},
		{"7 days before", mailTehran(2026, 12, 24, 8, 0), both, 7},
		{"2 days before", mailTehran(2026, 12, 29, 23, 59), nil, 0},
		{"1 day before", mailTehran(2026, 12, 30, 0, 0), both, 1},
		{"last day", mailTehran(2026, 12, 31, 8, 0), nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(sink.received())
			if err := e.m.SendReminders(mailCtx(), c.now); err != nil {
				t.Fatal(err)
			}
			got := byRecipient(t, sink.received()[before:])
			if rs := recipients(got); !slices.Equal(rs, c.to) {
				t.Fatalf("reminders to %v, want %v", rs, c.to)
			}
			for _, addr := range sara {
				m, ok := got[addr]
				if !ok {
					continue
				}
				want := fmt.Sprintf("معافیت حساب \u2068sara_ahmadi\u2069 در ایکس (توییتر) تا %s روز دیگر پایان می‌یابد", mailNum(c.days))
				if m.Subject != want {
					t.Errorf("subject %q, want %q", m.Subject, want)
				}
				if !strings.Contains(m.To, addr) {
					t.Errorf("To %q, want %s", m.To, addr)
				}
				for _, part := range []string{m.Text, m.HTML} {
					for _, s := range []string{"۱۰ دی ۱۴۰۵", "درخواست تمدید", "https://hozur.example.ir/justifications/new?account_id=" + fmt.Sprint(e.account.ID)} {
						if !strings.Contains(part, s) {
							t.Errorf("body lacks %q", s)
						}
					}
				}
				if !strings.Contains(m.HTML, `dir="rtl"`) {
					t.Error("HTML body is not right-to-left")
				}
			}
		})
	}
	// Every reminder was recorded as sent, once per exemption, threshold and recipient.
	ds := e.deliveries()
	if len(ds) != 3*len(both) {
		t.Fatalf("%d deliveries, want %d", len(ds), 3*len(both))
	}
	for _, d := range ds {
		if d.Status != DeliverySent || d.Attempts != 1 || d.SentAt == nil || d.Kind != MailReminder {
			t.Errorf("delivery %+v", d)
		}
	}
	want := fmt.Sprintf("reminder:%d:7:sara@ict.example.ir", ex.ID)
	if !slices.ContainsFunc(ds, func(d Delivery) bool { return d.Key == want }) {
		t.Errorf("no delivery %s", want)
	}
}

func TestFailedDeliveryIsRetriedOnce(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	e.m.SetMailer(sink.mailer(t, "starttls"))
	e.exemption(e.account.ID, mailTehran(2026, 11, 8, 0, 0)) // 7 days after e.now
	sink.setFail(true)
	if err := e.m.SendReminders(mailCtx(), e.now); err != nil {
		t.Fatalf("a failed send is not the job's error: %v", err)
	}
	ds := e.deliveries()
	if len(ds) != 4 || len(sink.received()) != 0 {
		t.Fatalf("%d deliveries, %d received; want 4, 0", len(ds), len(sink.received()))
	}
	for _, d := range ds {
		if d.Status != DeliveryPending || d.Attempts != 1 || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(e.now.Add(5*time.Minute)) ||
			!strings.Contains(d.LastError, "451") {
			t.Fatalf("after a failure: %+v", d)
		}
	}
	// The job again: the messages are recorded, so it sends nothing.
	sink.setFail(false)
	if err := e.m.SendReminders(mailCtx(), e.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Before the backoff has passed, a retry sends nothing either.
	if err := e.m.RetryPending(mailCtx(), e.now.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.received()); n != 0 {
		t.Fatalf("%d messages before the retry was due", n)
	}
	// Still failing at the retry: the next wait is 30 minutes.
	sink.setFail(true)
	t1 := e.now.Add(6 * time.Minute)
	if err := e.m.RetryPending(mailCtx(), t1); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.deliveries() {
		if d.Status != DeliveryPending || d.Attempts != 2 || !d.NextAttemptAt.Equal(t1.Add(30*time.Minute)) {
			t.Fatalf("after the second failure: %+v", d)
		}
	}
	sink.setFail(false)
	t2 := t1.Add(31 * time.Minute)
	for range 3 {
		if err := e.m.RetryPending(mailCtx(), t2); err != nil {
			t.Fatal(err)
		}
	}
	got := byRecipient(t, sink.received()) // fails on a second copy
	if len(got) != 4 {
		t.Fatalf("%d messages after the retry, want 4", len(got))
	}
	for _, d := range e.deliveries() {
		if d.Status != DeliverySent || d.Attempts != 3 || d.SentAt == nil || !d.SentAt.Equal(t2) || d.NextAttemptAt != nil {
			t.Errorf("after the retry: %+v", d)
		}
	}
	// The Message-ID is the same for every attempt of a delivery.
	first := got["sara@ict.example.ir"].Header.Get("Message-Id")
	if !strings.HasSuffix(first, "@oversight.example.ir>") {
		t.Errorf("Message-ID %q", first)
	}
}

func TestDeliveryGivesUpAfterLastAttempt(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	e.m.SetMailer(sink.mailer(t, "starttls"))
	e.exemption(e.account.ID, mailTehran(2026, 11, 2, 0, 0)) // tomorrow
	sink.setFail(true)
	now := e.now
	if err := e.m.SendReminders(mailCtx(), now); err != nil {
		t.Fatal(err)
	}
	for _, wait := range mailBackoff {
		now = now.Add(wait)
		if err := e.m.RetryPending(mailCtx(), now); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range e.deliveries() {
		if d.Status != DeliveryFailed || d.Attempts != len(mailBackoff)+1 || d.NextAttemptAt != nil {
			t.Errorf("after the last attempt: %+v", d)
		}
	}
	sink.setFail(false)
	if err := e.m.RetryPending(mailCtx(), now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.received()); n != 0 {
		t.Errorf("%d messages sent after giving up", n)
	}
}

func TestRetryDropsWhatNoLongerApplies(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	e.m.SetMailer(sink.mailer(t, "starttls"))
	ex := e.exemption(e.account.ID, mailTehran(2026, 11, 2, 0, 0))
	sink.setFail(true)
	if err := e.m.SendReminders(mailCtx(), e.now); err != nil {
		t.Fatal(err)
	}
	// Revoked before the retry: the reminder is no longer true.
	if err := e.s.Write(mailCtx()).Model(&registry.Exemption{}).Where("id = ?", ex.ID).Update("revoked_at", e.now.Add(time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	sink.setFail(false)
	if err := e.m.RetryPending(mailCtx(), e.now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.received()); n != 0 {
		t.Errorf("%d reminders of a revoked exemption sent", n)
	}
	for _, d := range e.deliveries() {
		if d.Status != DeliveryFailed || d.NextAttemptAt != nil || !strings.HasPrefix(d.LastError, "cancelled") {
			t.Errorf("after revocation: %+v", d)
		}
	}
}

func TestServerDownLeavesDeliveriesPending(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	mm := sink.mailer(t, "starttls")
	sink.stop() // nothing listens any more
	e.m.SetMailer(mm)
	e.exemption(e.account.ID, mailTehran(2026, 11, 2, 0, 0))
	if err := e.m.SendReminders(mailCtx(), e.now); err != nil {
		t.Fatal(err)
	}
	ds := e.deliveries()
	if len(ds) != 4 {
		t.Fatalf("%d deliveries, want 4", len(ds))
	}
	for _, d := range ds {
		if d.Status != DeliveryPending || d.Attempts != 1 || d.NextAttemptAt == nil || d.LastError == "" {
			t.Errorf("server down: %+v", d)
		}
	}
	// A new server takes over; the retry delivers every message once.
	sink2 := startMailSink(t, "starttls")
	e.m.SetMailer(sink2.mailer(t, "starttls"))
	if err := e.m.RetryPending(mailCtx(), e.now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := byRecipient(t, sink2.received()); len(got) != 4 {
		t.Errorf("%d messages after the server came back, want 4", len(got))
	}
}

func TestNotificationMails(t *testing.T) {
	e := newMailEnv(t)
	sink := startMailSink(t, "starttls")
	e.m.SetMailer(sink.mailer(t, "starttls"))
	ctx := mailCtx()
	j := mailMust[*registry.JustificationView](t)(e.s.CreateJustification(ctx, e.offUser, registry.JustificationInput{AccountID: e.account.ID, Grounds: "job_necessity", Statement: "پیام به مخاطبان بین‌المللی"}))
	mailMust[*registry.JustificationView](t)(e.s.Transition(ctx, e.offUser, j.ID, registry.TransitionInput{To: registry.StateSubmitted}))
	mailMust[*registry.JustificationView](t)(e.s.Transition(ctx, e.reviewer, j.ID, registry.TransitionInput{To: registry.StateInfoRequested, Note: "مخاطبان کیستند؟"}))
	if err := e.m.SendNotifications(ctx, e.now); err != nil {
		t.Fatal(err)
	}
	got := byRecipient(t, sink.received())
	// The official's user and the liaisons of the department and the
	// ministry above it; no one without an address, no other ministry.
	want := []string{"liaison@ict.example.ir", "pr@ict.example.ir", "sara@ict.example.ir"}
	if rs := recipients(got); !slices.Equal(rs, want) {
		t.Fatalf("question mailed to %v, want %v", rs, want)
	}
	q := got["sara@ict.example.ir"]
	if q.Subject != "پرسش دربارهٔ توجیه حساب \u2068sara_ahmadi\u2069 در ایکس (توییتر)" {
		t.Errorf("subject %q", q.Subject)
	}
	if strings.Contains(q.Text, "مخاطبان کیستند") || !strings.Contains(q.Text, fmt.Sprintf("https://hozur.example.ir/justifications/%d", j.ID)) {
		t.Errorf("the mail should link to the question, not quote it:\n%s", q.Text)
	}
	// Re-running sends nothing new.
	if err := e.m.SendNotifications(ctx, e.now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.received()); n != 3 {
		t.Fatalf("%d messages after a re-run, want 3", n)
	}
	// The answer, then approval: one new mail per recipient.
	mailMust[*registry.JustificationView](t)(e.s.Transition(ctx, e.offUser, j.ID, registry.TransitionInput{To: registry.StateSubmitted, Note: "سفارت‌ها"}))
	until := mailTehran(2027, 3, 20, 0, 0)
	mailMust[*registry.JustificationView](t)(e.s.Transition(ctx, e.reviewer, j.ID, registry.TransitionInput{To: registry.StateApproved, ValidUntil: &until}))
	if err := e.m.SendNotifications(ctx, e.now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got = byRecipient(t, sink.received()[3:])
	if rs := recipients(got); !slices.Equal(rs, want) {
		t.Fatalf("approval mailed to %v, want %v", rs, want)
	}
	a := got["pr@ict.example.ir"]
	if a.Subject != "توجیه حساب \u2068sara_ahmadi\u2069 در ایکس (توییتر) پذیرفته شد" || !strings.Contains(a.Text, "۲۹ اسفند ۱۴۰۵") {
		t.Errorf("approval: %q\n%s", a.Subject, a.Text)
	}
	// A revocation.
	exs := mailMust[registry.Result[registry.ExemptionView]](t)(e.s.Exemptions(ctx, registry.System, registry.ExemptionFilter{AccountID: e.account.ID}, registry.Page{}))
	mailMust[*registry.ExemptionView](t)(e.s.RevokeExemption(ctx, e.reviewer, exs.Items[0].ID, "نقض شرایط"))
	if err := e.m.SendNotifications(ctx, e.now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got = byRecipient(t, sink.received()[6:])
	r := got["sara@ict.example.ir"]
	if r.Subject != "معافیت حساب \u2068sara_ahmadi\u2069 در ایکس (توییتر) لغو شد" || !strings.Contains(r.Text, "۱۰ آذر ۱۴۰۵") {
		t.Errorf("revocation: %q\n%s", r.Subject, r.Text)
	}
	if n := len(e.deliveries()); n != 9 {
		t.Errorf("%d deliveries, want 9", n)
	}
	// Notifications older than a week are not mailed when e-mail is turned on late.
	e2 := newMailEnv(t)
	e2.m.SetMailer(sink.mailer(t, "starttls"))
	j2 := mailMust[*registry.JustificationView](t)(e2.s.CreateJustification(ctx, e2.offUser, registry.JustificationInput{AccountID: e2.account.ID, Grounds: "job_necessity", Statement: "x"}))
	mailMust[*registry.JustificationView](t)(e2.s.Transition(ctx, e2.offUser, j2.ID, registry.TransitionInput{To: registry.StateSubmitted}))
	mailMust[*registry.JustificationView](t)(e2.s.Transition(ctx, e2.reviewer, j2.ID, registry.TransitionInput{To: registry.StateRejected, Note: "ضرورت ندارد"}))
	if err := e2.m.SendNotifications(ctx, e2.now.Add(8*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(e2.deliveries()); n != 0 {
		t.Errorf("%d old notifications mailed", n)
	}
}

func TestTransports(t *testing.T) {
	for _, mode := range []mailSinkMode{"starttls", "tls", "none"} {
		t.Run(string(mode), func(t *testing.T) {
			e := newMailEnv(t)
			sink := startMailSink(t, mode)
			e.m.SetMailer(sink.mailer(t, mode))
			e.exemption(e.account.ID, mailTehran(2026, 12, 1, 0, 0))
			if err := e.m.SendReminders(mailCtx(), e.now); err != nil {
				t.Fatal(err)
			}
			if n := len(sink.received()); n != 4 {
				t.Errorf("%d messages over %s, want 4", n, mode)
			}
		})
	}
	// STARTTLS is required: a server without it gets nothing.
	e := newMailEnv(t)
	plain := startMailSink(t, "none")
	e.m.SetMailer(plain.mailer(t, "starttls"))
	e.exemption(e.account.ID, mailTehran(2026, 12, 1, 0, 0))
	if err := e.m.SendReminders(mailCtx(), e.now); err != nil {
		t.Fatal(err)
	}
	if n := len(plain.received()); n != 0 {
		t.Errorf("%d messages sent without TLS", n)
	}
}

func TestWeeklyReportMail(t *testing.T) {
	e := newMailEnv(t)
	ctx := mailCtx()
	// A second account, in the other ministry, so the cuts differ.
	mailMust[*registry.AccountView](t)(e.s.CreateAccount(ctx, registry.System, registry.AccountInput{URL: "https://instagram.com/health_ministry",
		Capacity: registry.CapacityInstitutional, AgencyID: e.other.ID}))
	sink := startMailSink(t, "starttls")
	office := []string{"office@oversight.example.ir", "Head <Head@Oversight.example.ir>"}
	e.m.SetMailer(sink.mailer(t, "starttls", office...))
	// Saturday 07:00, when the job runs: the week of 30 Aban to 6 Azar has ended.
	e.now = mailTehran(2026, 11, 28, 7, 0)
	week := mailTehran(2026, 11, 21, 0, 0)
	if err := e.m.SendWeeklyReports(ctx, e.now); err != nil {
		t.Fatal(err)
	}
	got := byRecipient(t, sink.received())
	want := []string{"head@oversight.example.ir", "liaison@health.example.ir", "liaison@ict.example.ir", "office@oversight.example.ir", "pr@ict.example.ir"}
	if rs := recipients(got); !slices.Equal(rs, want) {
		t.Fatalf("reports mailed to %v, want %v", rs, want)
	}
	for _, c := range []struct {
		to       string
		agency   *registry.Agency // nil: the national report
		accounts int64
	}{
		{"office@oversight.example.ir", nil, 2},
		{"head@oversight.example.ir", nil, 2},
		{"liaison@ict.example.ir", e.ministry, 1},
		{"pr@ict.example.ir", e.dept, 1},
		{"liaison@health.example.ir", e.other, 1},
	} {
		t.Run(c.to, func(t *testing.T) {
			m := got[c.to]
			var agencyID *int64
			title := "گزارش هفتگی حضور — هفتهٔ ۳۰ آبان تا ۶ آذر ۱۴۰۵"
			if c.agency != nil {
				agencyID = &c.agency.ID
				title += " — " + c.agency.Name
			}
			if m.Subject != title {
				t.Errorf("subject %q, want %q", m.Subject, title)
			}
			if addr, err := netmail.ParseAddress(m.To); err != nil || !strings.EqualFold(addr.Address, c.to) {
				t.Errorf("To %q, want %s", m.To, c.to)
			}
			if from, err := netmail.ParseAddress(m.Header.Get("From")); err != nil || from.Address != "hozur@oversight.example.ir" {
				t.Errorf("From %q", m.Header.Get("From"))
			}
			if m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
				t.Error("no Message-ID or Date")
			}
			stored, err := e.m.Report(ctx, week, agencyID)
			if err != nil {
				t.Fatal(err)
			}
			d, err := stored.Parsed()
			if err != nil {
				t.Fatal(err)
			}
			// The body is the stored report, the cut of the recipient's agency.
			if m.HTML != stored.HTML {
				t.Errorf("HTML body is not the stored report (%d bytes, want %d)", len(m.HTML), len(stored.HTML))
			}
			if d.Headline.Accounts != c.accounts || ((d.Agency == nil) != (c.agency == nil)) {
				t.Errorf("report of %d accounts for agency %+v, want %d", d.Headline.Accounts, d.Agency, c.accounts)
			}
			if !strings.Contains(m.HTML, "dir=\"rtl\"") || !strings.Contains(m.HTML, title) {
				t.Error("HTML body lacks the title or the right-to-left direction")
			}
			if !strings.Contains(m.Text, title) || strings.Contains(m.Text, "<") {
				t.Errorf("plain text:\n%s", m.Text)
			}
			if c.agency == nil {
				for _, other := range []string{e.ministry.Name, e.other.Name} {
					if !strings.Contains(m.HTML, other) {
						t.Errorf("national report lacks %s", other)
					}
				}
			} else if other := map[bool]string{true: e.other.Name, false: e.ministry.Name}[c.agency.ID != e.other.ID]; strings.Contains(m.HTML, other) {
				t.Errorf("the cut of %s shows %s", c.agency.Name, other)
			}
			// The workbook is attached and opens.
			if len(m.Files) != 1 {
				t.Fatalf("%d attachments, want 1", len(m.Files))
			}
			f := m.Files[0]
			if f.Type != xlsxType || !strings.HasPrefix(f.Name, "hozur-report-2026-11-21") || !strings.HasSuffix(f.Name, ".xlsx") {
				t.Errorf("attachment %q of type %q", f.Name, f.Type)
			}
			checkWorkbook(t, f.Data, title)
		})
	}
	// Running the job again, the same morning or later in the week, sends
	// nothing new and changes no delivery.
	before := e.deliveries()
	if len(before) != 5 {
		t.Fatalf("%d deliveries, want 5", len(before))
	}
	for _, again := range []time.Time{e.now, e.now.Add(time.Hour), mailTehran(2026, 12, 4, 23, 0)} {
		if err := e.m.SendWeeklyReports(ctx, again); err != nil {
			t.Fatal(err)
		}
		if err := e.m.RetryPending(ctx, again); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(sink.received()); n != 5 {
		t.Errorf("%d messages after re-runs, want 5", n)
	}
	if after := e.deliveries(); !slices.EqualFunc(before, after, func(a, b Delivery) bool {
		return a.ID == b.ID && a.Status == b.Status && a.Attempts == b.Attempts && a.SentAt.Equal(*b.SentAt)
	}) {
		t.Errorf("deliveries changed by a re-run:\n%+v\n%+v", before, after)
	}
	for _, d := range before {
		if d.Status != DeliverySent || d.Kind != MailReport || !strings.HasPrefix(d.Key, "report:2026-11-21:") || d.Subject == "" {
			t.Errorf("delivery %+v", d)
		}
	}
	// The next week's run mails the next week's reports.
	e.now = mailTehran(2026, 12, 5, 7, 0)
	if err := e.m.SendWeeklyReports(ctx, e.now); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.received()); n != 10 {
		t.Errorf("%d messages after the next week's run, want 10", n)
	}
}

// checkWorkbook opens an attached workbook and looks for the report's
// title in it.
func checkWorkbook(t *testing.T, data []byte, title string) {
	t.Helper()
	wb, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the attachment does not open: %v", err)
	}
	defer func() { _ = wb.Close() }()
	sheets := wb.GetSheetList()
	if len(sheets) == 0 {
		t.Fatal("the workbook has no sheet")
	}
	for _, sh := range sheets {
		rows, err := wb.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			for _, cell := range row {
				if strings.Contains(cell, title) {
					return
				}
			}
		}
	}
	t.Errorf("no cell of sheets %v holds %q", sheets, title)
}
