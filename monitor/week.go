package monitor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	jalaali "github.com/jalaali/go-jalaali"

	"hozur/registry/textnorm"
)

// Weeks run from Saturday 00:00 to Friday 24:00 in the rules' time zone
// (Asia/Tehran), as the Iranian working week does.

// WeekOf is the week holding t: its start (Saturday midnight in tz) and its
// end (the next Saturday midnight, exclusive).
func WeekOf(t time.Time, tz *time.Location) (start, end time.Time) {
	t = t.In(tz)
	back := (int(t.Weekday()) + 1) % 7 // days since Saturday
	start = time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, tz)
	return start, start.AddDate(0, 0, 7)
}

// ErrBadWeek says a week was written in neither accepted form.
var ErrBadWeek = errors.New("week: want YYYY-WW (ISO year and week of its Saturday) or YYYY-MM-DD (any day of it)")

// ParseWeek reads a week as YYYY-WW, the ISO year and week number of its
// Saturday (what `hozur report --week` takes), or as YYYY-MM-DD, any day of
// the week (what URLs carry: the Saturday it starts). Persian digits are
// accepted. It returns the week's start.
func ParseWeek(s string, tz *time.Location) (time.Time, error) {
	s = strings.TrimSpace(textnorm.ASCIIDigits(s))
	if d, err := time.ParseInLocation(time.DateOnly, s, tz); err == nil {
		start, _ := WeekOf(d, tz)
		return start, nil
	}
	ys, ws, ok := strings.Cut(strings.ReplaceAll(strings.ToUpper(s), "-W", "-"), "-")
	if !ok || len(ys) != 4 || len(ws) < 1 || len(ws) > 2 {
		return time.Time{}, ErrBadWeek
	}
	year, err1 := strconv.Atoi(ys)
	week, err2 := strconv.Atoi(ws)
	if err1 != nil || err2 != nil || week < 1 || week > 53 {
		return time.Time{}, ErrBadWeek
	}
	// ISO week 1 holds the year's first Thursday, i.e. 4 January.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, tz)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	sat := monday.AddDate(0, 0, 7*(week-1)+5)
	if y, w := sat.ISOWeek(); y != year || w != week {
		return time.Time{}, fmt.Errorf("week %s: year %d has no week %d", s, year, week)
	}
	return sat, nil
}

// WeekID is how URLs name a week: its Saturday, YYYY-MM-DD.
func WeekID(start time.Time, tz *time.Location) string { return start.In(tz).Format(time.DateOnly) }

// ISOWeekID is how the command line names a week: YYYY-WW of its Saturday.
func ISOWeekID(start time.Time, tz *time.Location) string {
	y, w := start.In(tz).ISOWeek()
	return fmt.Sprintf("%04d-%02d", y, w)
}

var weekFaMonths = [12]string{"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"}

// weekSolar is a day in the Solar Hijri calendar.
type weekSolar struct{ y, m, d int }

func solarOf(t time.Time, tz *time.Location) weekSolar {
	t = t.In(tz)
	y, m, d, err := jalaali.ToJalaali(t.Year(), t.Month(), t.Day())
	if err != nil {
		return weekSolar{t.Year(), int(t.Month()), t.Day()}
	}
	return weekSolar{y, int(m), d}
}

// faDate is "۳۰ آبان ۱۴۰۵".
func faDate(t time.Time, tz *time.Location) string {
	s := solarOf(t, tz)
	return textnorm.PersianDigits(fmt.Sprintf("%d %s %d", s.d, weekFaMonths[s.m-1], s.y))
}

// faDayMonth is "۳۰ آبان".
func faDayMonth(t time.Time, tz *time.Location) string {
	s := solarOf(t, tz)
	return textnorm.PersianDigits(fmt.Sprintf("%d %s", s.d, weekFaMonths[s.m-1]))
}

// WeekRangeFa names a week in Persian by its first and last day in the
// Solar Hijri calendar: «۸ تا ۱۴ آذر ۱۴۰۵», «۲۹ آبان تا ۵ آذر ۱۴۰۵»,
// «۲۵ اسفند ۱۴۰۳ تا ۱ فروردین ۱۴۰۴».
func WeekRangeFa(start time.Time, tz *time.Location) string {
	_, end := WeekOf(start, tz)
	a, b := solarOf(start, tz), solarOf(end.AddDate(0, 0, -1), tz)
	var s string
	switch {
	case a.y != b.y:
		s = fmt.Sprintf("%d %s %d تا %d %s %d", a.d, weekFaMonths[a.m-1], a.y, b.d, weekFaMonths[b.m-1], b.y)
	case a.m != b.m:
		s = fmt.Sprintf("%d %s تا %d %s %d", a.d, weekFaMonths[a.m-1], b.d, weekFaMonths[b.m-1], b.y)
	default:
		s = fmt.Sprintf("%d تا %d %s %d", a.d, b.d, weekFaMonths[b.m-1], b.y)
	}
	return textnorm.PersianDigits(s)
}

// WeekRangeEn names a week in English: "21–27 Nov 2026",
// "28 Nov – 4 Dec 2026", "27 Dec 2025 – 2 Jan 2026".
func WeekRangeEn(start time.Time, tz *time.Location) string {
	_, end := WeekOf(start, tz)
	a, b := start.In(tz), end.AddDate(0, 0, -1).In(tz)
	switch {
	case a.Year() != b.Year():
		return a.Format("2 Jan 2006") + " – " + b.Format("2 Jan 2006")
	case a.Month() != b.Month():
		return a.Format("2 Jan") + " – " + b.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d–%s", a.Day(), b.Format("2 Jan 2006"))
}

// ReportTitle is a weekly report's title in Persian, the report's
// language: «گزارش هفتگی حضور — هفتهٔ ۸ تا ۱۴ آذر ۱۴۰۵», and for an
// agency's cut its name after another dash.
func ReportTitle(start time.Time, tz *time.Location, agencyName string) string {
	t := "گزارش هفتگی حضور — هفتهٔ " + WeekRangeFa(start, tz)
	if agencyName != "" {
		t += " — " + agencyName
	}
	return t
}

// ReportTitleEn is the English title: "Hozur weekly report — week of
// 21–27 Nov 2026".
func ReportTitleEn(start time.Time, tz *time.Location, agencyName string) string {
	t := "Hozur weekly report — week of " + WeekRangeEn(start, tz)
	if agencyName != "" {
		t += " — " + agencyName
	}
	return t
}
