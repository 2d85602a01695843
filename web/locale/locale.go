// Package locale holds the interface's translations and formats numbers and
// dates for the reader: Persian (right to left, Solar Hijri dates, Persian
// digits) or English.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"
	"time"

	jalaali "github.com/jalaali/go-jalaali"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"hozur/registry/calendar"
	"hozur/registry/textnorm"
)

//go:embed catalog/*.json
var catalogFS embed.FS

// Languages are the interface languages, default first.
var Languages = []string{"fa", "en"}

// Catalog holds every message of every language.
type Catalog struct {
	msgs map[string]map[string]string // lang -> key -> text
}

// Load reads the embedded catalogs. Each language may be split over several
// files named LANG.AREA.json; keys must not repeat across files.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		c.msgs[lang] = map[string]string{}
	}
	files, err := fs.Glob(catalogFS, "catalog/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		lang, _, _ := strings.Cut(path.Base(f), ".")
		m, ok := c.msgs[lang]
		if !ok {
			return nil, fmt.Errorf("catalog %s: unknown language %q", f, lang)
		}
		b, err := catalogFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var part map[string]string
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", f, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("catalog %s: key %q defined twice", f, k)
			}
			m[k] = v
		}
	}
	return c, nil
}

// Keys lists a language's keys, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether a language has a key.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Supported returns lang if it is an interface language, else "".
func Supported(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return ""
}

// Locale formats for one reader.
type Locale struct {
	Lang    string
	msgs    map[string]string
	tz      *time.Location
	printer *message.Printer
}

// For returns the locale of a language in a time zone.
func (c *Catalog) For(lang string, tz *time.Location) *Locale {
	if Supported(lang) == "" {
		lang = Languages[0]
	}
	tag := language.English
	if lang == "fa" {
		tag = language.Persian
	}
	return &Locale{Lang: lang, msgs: c.msgs[lang], tz: tz, printer: message.NewPrinter(tag)}
}

// Dir is the text direction.
func (l *Locale) Dir() string {
	if l.Lang == "fa" {
		return "rtl"
	}
	return "ltr"
}

// T translates a key. Args are name, value pairs filling {name} in the
// message; values are formatted for the reader (numbers in Persian digits).
// A missing key shows as the key itself, which the catalog test prevents.
func (l *Locale) T(key string, args ...any) string {
	msg, ok := l.msgs[key]
	if !ok {
		// "link.not_account.video" falls back to "link.not_account".
		if i := strings.LastIndexByte(key, '.'); i > 0 {
			msg, ok = l.msgs[key[:i]]
		}
		if !ok {
			return key
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		msg = strings.ReplaceAll(msg, "{"+name+"}", l.value(args[i+1]))
	}
	return msg
}

// TArgs is T with the arguments in a map.
func (l *Locale) TArgs(key string, args map[string]any) string {
	flat := make([]any, 0, 2*len(args))
	for k, v := range args {
		flat = append(flat, k, v)
	}
	return l.T(key, flat...)
}

func (l *Locale) value(v any) string {
	switch x := v.(type) {
	case int:
		return l.Num(int64(x))
	case int64:
		return l.Num(x)
	case float64:
		// Numbers decoded from JSON (a stored import's issues) are
		// float64; whole ones are counts and row numbers.
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return l.Num(int64(x))
		}
	case string:
		return x
	}
	return l.Digits(fmt.Sprint(v))
}

// Num formats an integer with grouping in the reader's digits: 1,234 or ۱٬۲۳۴.
func (l *Locale) Num(n int64) string { return l.printer.Sprintf("%d", n) }

// Percent formats a ratio 0..1 as a percentage with one decimal.
func (l *Locale) Percent(r float64) string { return l.printer.Sprintf("%.1f%%", r*100) }

// Digits localises the digits of a string (codes, dates); stored data keeps
// ASCII digits.
func (l *Locale) Digits(s string) string {
	if l.Lang == "fa" {
		return textnorm.PersianDigits(s)
	}
	return s
}

var faMonths = []string{"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"}

// Date formats a day: "۱ آذر ۱۴۰۵" in Persian (Solar Hijri), "22 Nov 2026"
// in English. The zero time is "".
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(l.tz)
	if l.Lang == "fa" {
		y, m, d, err := jalaali.ToJalaali(t.Year(), t.Month(), t.Day())
		if err != nil {
			return t.Format(time.DateOnly)
		}
		return l.Digits(fmt.Sprintf("%d %s %d", d, faMonths[int(m)-1], y))
	}
	return t.Format("2 Jan 2006")
}

// DatePtr is Date for an optional time.
func (l *Locale) DatePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return l.Date(*t)
}

// DateTime formats a moment with the time of day.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.Date(t) + " " + l.Digits(t.In(l.tz).Format("15:04"))
}

// DateTimePtr is DateTime for an optional time.
func (l *Locale) DateTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return l.DateTime(*t)
}

// NumericDate formats a day as 1405/09/01 (Persian digits) or 2026-11-22,
// the form date inputs take.
func (l *Locale) NumericDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	tt := t.In(l.tz)
	if l.Lang == "fa" {
		y, m, d, err := jalaali.ToJalaali(tt.Year(), tt.Month(), tt.Day())
		if err == nil {
			return fmt.Sprintf("%04d/%02d/%02d", y, int(m), d)
		}
	}
	return tt.Format(time.DateOnly)
}

// ParseDate reads a day typed as Solar Hijri 1402/01/21 (Persian or ASCII
// digits, "/" or "-") or Gregorian 2023-04-10; a year below 1700 is Solar
// Hijri. The day is midnight in the locale's time zone.
func (l *Locale) ParseDate(s string) (*time.Time, error) {
	return ParseDate(s, l.tz)
}

// ParseDate reads a Solar Hijri or Gregorian day in tz; "" gives nil.
func ParseDate(s string, tz *time.Location) (*time.Time, error) {
	return calendar.ParseDate(s, tz)
}

// Has reports whether the locale has a message for key.
func (l *Locale) Has(key string) bool {
	_, ok := l.msgs[key]
	return ok
}
