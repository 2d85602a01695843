package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"hozur/registry/textnorm"
)

// The report's words and number formats, in Persian (the report's own
// language, what is stored and e-mailed) and English (rendered from the
// stored data on request). They live here, not in the web catalogs,
// because the monitor renders the report without the web layer.

var reportWords = map[string]map[string]string{
	"fa": {
		"national":               "کل کشور",
		"cut":                    "برش دستگاه: {name}",
		"period":                 "از شنبه {start} تا پایان جمعه {end} (به وقت تهران)",
		"headline":               "خلاصه در پایان هفته",
		"accounts":               "حساب‌های ثبت‌شده",
		"foreign":                "روی سکوهای خارجی",
		"rate":                   "نرخ انطباق",
		"rate_of":                "{covered} از {in_scope} حساب مشمول دارای معافیت",
		"rate_none":              "حساب مشمولی نیست",
		"open_high":              "هشدارهای شدید باز",
		"trend":                  "روند نرخ انطباق در ۱۲ هفته",
		"trend_gap":              "هفته‌ای که گزارشش ذخیره نشده، خالی مانده است؛ گزارش هفته‌های گذشته از داده‌های امروز دوباره ساخته نمی‌شود.",
		"week":                   "هفته",
		"changes":                "تغییرات این هفته",
		"new_accounts":           "حساب‌های تازه ثبت‌شده",
		"flags_opened":           "هشدارهای تازه",
		"flags_resolved":         "هشدارهای رفع‌شده",
		"exemptions_granted":     "معافیت‌های داده‌شده",
		"exemptions_expired":     "معافیت‌های به پایان رسیده",
		"exemptions_revoked":     "معافیت‌های لغوشده",
		"justifications_filed":   "توجیه‌نامه‌های ارسال‌شده",
		"justifications_decided": "توجیه‌نامه‌های تصمیم‌گرفته",
		"median_days":            "میانهٔ روزهای ارسال تا تصمیم",
		"by_agency":              "به تفکیک دستگاه",
		"by_sub":                 "به تفکیک زیرمجموعه",
		"agency":                 "دستگاه",
		"own":                    "{name} (حساب‌های خود دستگاه)",
		"col_accounts":           "حساب‌ها",
		"col_foreign":            "خارجی",
		"col_in_scope":           "مشمول",
		"col_covered":            "دارای معافیت",
		"col_rate":               "نرخ انطباق",
		"col_open_high":          "هشدار شدید باز",
		"col_new":                "تازه",
		"total":                  "جمع",
		"rates_chart":            "نرخ انطباق بزرگ‌ترین دستگاه‌ها",
		"overdue":                "موارد معوق",
		"overdue_more":           "{n} مورد از {total} مورد آمده است؛ فهرست کامل در صفحهٔ هشدارها است.",
		"rule.CLOSURE_OVERDUE":   "تأخیر در بستن حساب",
		"rule.REVIEW_OVERDUE":    "تأخیر در بررسی توجیه‌نامه",
		"rule.INFO_OVERDUE":      "تأخیر در ارائهٔ اطلاعات",
		"col_item":               "مورد",
		"col_account":            "حساب",
		"col_platform":           "سکو",
		"col_holder":             "دارنده",
		"col_since":              "از",
		"col_days":               "روز",
		"personal":               "حساب شخصی",
		"ending":                 "معافیت‌هایی که تا ۳۰ روز پس از این هفته به پایان می‌رسند",
		"ending_more":            "{n} مورد از {total} مورد آمده است.",
		"col_last_day":           "آخرین روز",
		"col_days_left":          "روز مانده",
		"group":                  "معافیت گروهی",
		"privacy":                "وضعیت حریم خصوصی سکوهای داخلی",
		"col_overall":            "نتیجهٔ ارزیابی",
		"col_assessed":           "تاریخ ارزیابی",
		"overall.pass":           "پذیرفته",
		"overall.fail":           "ناپذیرفته",
		"overall.partial":        "نسبی",
		"not_assessed":           "ارزیابی نشده",
		"none":                   "موردی نیست.",
		"footer":                 "این گزارش در {generated} ساخته شده و بی‌تغییر نگهداری می‌شود. «مشمول»: حساب‌های فعال روی سکوهای خارجی با نوع ({caps}) و دارندگان رده‌های ({ranks})؛ حساب‌های سازمانی رده ندارند. «دارای معافیت»: با معافیت فردی یا گروهی معتبر در واپسین لحظهٔ هفته. شناسهٔ حساب‌های شخصی در گزارش نمی‌آید.",
		"capacity.institutional": "سازمانی",
		"capacity.office":        "سمتی",
		"capacity.personal":      "شخصی",
		"app":                    "حضور — سامانهٔ ثبت و پایش حضور مسئولان در شبکه‌های اجتماعی",
	},
	"en": {
		"national":               "Whole country",
		"cut":                    "Agency cut: {name}",
		"period":                 "From Saturday {start} to the end of Friday {end} (Tehran time)",
		"headline":               "At the end of the week",
		"accounts":               "Registered accounts",
		"foreign":                "On foreign platforms",
		"rate":                   "Compliance rate",
		"rate_of":                "{covered} of {in_scope} accounts in scope covered",
		"rate_none":              "No account in scope",
		"open_high":              "Open high flags",
		"trend":                  "Compliance rate over 12 weeks",
		"trend_gap":              "A week whose report was not stored is left blank; past weeks are not recomputed from today's data.",
		"week":                   "Week",
		"changes":                "Changes this week",
		"new_accounts":           "New accounts",
		"flags_opened":           "Flags opened",
		"flags_resolved":         "Flags resolved",
		"exemptions_granted":     "Exemptions granted",
		"exemptions_expired":     "Exemptions expired",
		"exemptions_revoked":     "Exemptions revoked",
		"justifications_filed":   "Justifications submitted",
		"justifications_decided": "Justifications decided",
		"median_days":            "Median days from submission to decision",
		"by_agency":              "By agency",
		"by_sub":                 "By sub-agency",
		"agency":                 "Agency",
		"own":                    "{name} (its own accounts)",
		"col_accounts":           "Accounts",
		"col_foreign":            "Foreign",
		"col_in_scope":           "In scope",
		"col_covered":            "Covered",
		"col_rate":               "Compliance",
		"col_open_high":          "Open high flags",
		"col_new":                "New",
		"total":                  "Total",
		"rates_chart":            "Compliance rate of the largest agencies",
		"overdue":                "Overdue items",
		"overdue_more":           "{n} of {total} items shown; the flags page lists them all.",
		"rule.CLOSURE_OVERDUE":   "Closure overdue",
		"rule.REVIEW_OVERDUE":    "Review overdue",
		"rule.INFO_OVERDUE":      "Requested information overdue",
		"col_item":               "Item",
		"col_account":            "Account",
		"col_platform":           "Platform",
		"col_holder":             "Holder",
		"col_since":              "Since",
		"col_days":               "Days",
		"personal":               "personal account",
		"ending":                 "Exemptions ending in the 30 days after this week",
		"ending_more":            "{n} of {total} shown.",
		"col_last_day":           "Last day",
		"col_days_left":          "Days left",
		"group":                  "group exemption",
		"privacy":                "Privacy status of domestic platforms",
		"col_overall":            "Assessment",
		"col_assessed":           "Assessed on",
		"overall.pass":           "Pass",
		"overall.fail":           "Fail",
		"overall.partial":        "Partial",
		"not_assessed":           "Not assessed",
		"none":                   "None.",
		"footer":                 "Made on {generated} and kept unchanged. In scope: active accounts on foreign platforms of the kinds ({caps}) whose holders are of ranks ({ranks}); institutional accounts have no rank. Covered: by an individual or group exemption valid at the week's last moment. Handles of personal accounts are left out of reports.",
		"capacity.institutional": "institutional",
		"capacity.office":        "office",
		"capacity.personal":      "personal",
		"app":                    "Hozur — registry and compliance monitor of officials' social-media accounts",
	},
}

// reportLang formats a report for one language.
type reportLang struct {
	lang string
	tz   *time.Location
}

// T is a word with {name} filled in from name, value pairs.
func (l reportLang) T(key string, kv ...string) string {
	s, ok := reportWords[l.lang][key]
	if !ok {
		s = key
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

func (l reportLang) fa() bool { return l.lang == "fa" }

// Num writes a whole number with grouping: ۱٬۲۳۴ or 1,234.
func (l reportLang) Num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if l.fa() {
		sep = "٬"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	return l.Digits(out)
}

// Digits localises the digits of s.
func (l reportLang) Digits(s string) string {
	if l.fa() {
		return textnorm.PersianDigits(s)
	}
	return s
}

// Dec writes a number with one decimal: ۸۵٫۳ or 85.3.
func (l reportLang) Dec(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if l.fa() {
		s = strings.Replace(s, ".", "٫", 1)
	}
	return l.Digits(s)
}

// Pct writes a rate: ۸۵٫۳٪ or 85.3%; nil is a dash.
func (l reportLang) Pct(r *float64) string {
	if r == nil {
		return "—"
	}
	if l.fa() {
		return l.Dec(*r*100) + "٪"
	}
	return l.Dec(*r*100) + "%"
}

// PctAxis writes a rate on a chart's axis, whole: ۷۵٪ or 75%.
func (l reportLang) PctAxis(r float64) string {
	s := l.Digits(strconv.FormatFloat(r*100, 'f', 0, 64))
	if l.fa() {
		return s + "٪"
	}
	return s + "%"
}

// Date writes a stored day (YYYY-MM-DD): «۳۰ آبان ۱۴۰۵» or "21 Nov 2026".
func (l reportLang) Date(day string) string {
	t, err := time.ParseInLocation(time.DateOnly, day, l.tz)
	if err != nil {
		return day
	}
	if l.fa() {
		return faDate(t, l.tz)
	}
	return t.Format("2 Jan 2006")
}

// Short writes a day without its year: «۳۰ آبان» or "21 Nov".
func (l reportLang) Short(day string) string {
	t, err := time.ParseInLocation(time.DateOnly, day, l.tz)
	if err != nil {
		return day
	}
	if l.fa() {
		return faDayMonth(t, l.tz)
	}
	return t.Format("2 Jan")
}

// Moment writes a time of day in Tehran with its date.
func (l reportLang) Moment(t time.Time) string {
	day := t.In(l.tz).Format(time.DateOnly)
	return l.Date(day) + " " + l.Digits(t.In(l.tz).Format("15:04"))
}

// Name picks the name for the language.
func (l reportLang) Name(fa, en string) string {
	if !l.fa() && en != "" {
		return en
	}
	return fa
}

// List joins words with the language's comma.
func (l reportLang) List(items []string) string {
	if l.fa() {
		return strings.Join(items, "، ")
	}
	return strings.Join(items, ", ")
}

// reportRateClass is the colour of a rate's tag; the tag always shows the figure.
func reportRateClass(r *float64) string {
	switch {
	case r == nil:
		return "tag-grey"
	case *r >= 0.9:
		return "tag-green"
	case *r >= 0.6:
		return "tag-orange"
	}
	return "tag-red"
}

// scopeWords lists the scope's capacities and ranks in words.
func (l reportLang) scopeWords(sc ReportScope) (string, string) {
	caps := make([]string, len(sc.Capacities))
	for i, c := range sc.Capacities {
		caps[i] = l.T("capacity." + c)
	}
	ranks := make([]string, len(sc.Ranks))
	for i, r := range sc.Ranks {
		ranks[i] = l.Digits(fmt.Sprint(r))
	}
	if len(caps) == 0 {
		caps = []string{"—"}
	}
	if len(ranks) == 0 {
		ranks = []string{"—"}
	}
	return l.List(caps), l.List(ranks)
}
