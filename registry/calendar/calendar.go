// Package calendar reads the days people type: Solar Hijri (1402/01/21, in
// Persian, Arabic or ASCII digits) and Gregorian (2023-04-10).
package calendar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	jalaali "github.com/jalaali/go-jalaali"

	"hozur/registry/textnorm"
)

// ParseDate reads a Solar Hijri or Gregorian day in tz; "" gives nil. A year
// below 1700 is Solar Hijri; "/", "-" and "." separate the parts. The day is
// midnight in tz.
func ParseDate(s string, tz *time.Location) (*time.Time, error) {
	s = strings.TrimSpace(textnorm.ASCIIDigits(s))
	if s == "" {
		return nil, nil
	}
	norm := dateSeparators.Replace(s)
	m := datePattern.FindStringSubmatch(norm)
	if m == nil {
		return nil, fmt.Errorf("date %q: want YYYY/MM/DD", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	if y < 1 {
		return nil, fmt.Errorf("date %q: no such year", s)
	}
	return dateOf(s, y, mo, d, tz)
}

// datePattern is a whole date: four-digit year, then month and day.
var datePattern = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)

func dateOf(s string, y, m, d int, tz *time.Location) (*time.Time, error) {
	if y < 1700 {
		gy, gm, gd, err := jalaali.ToGregorian(y, jalaali.Month(m), d)
		if err != nil || m < 1 || m > 12 || d < 1 || d > 31 {
			return nil, fmt.Errorf("date %q: no such day", s)
		}
		// The conversion accepts 1402/12/30 in a common year; a round
		// trip shows whether the day exists.
		if by, bm, bd, err := jalaali.ToJalaali(gy, gm, gd); err != nil || by != y || int(bm) != m || bd != d {
			return nil, fmt.Errorf("date %q: no such day", s)
		}
		t := time.Date(gy, gm, gd, 0, 0, 0, 0, tz)
		return &t, nil
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, tz)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return nil, fmt.Errorf("date %q: no such day", s)
	}
	return &t, nil
}

// dateSeparators turns every separator into "-".
var dateSeparators = strings.NewReplacer("/", "-", ".", "-")
