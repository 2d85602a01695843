package registry

import (
	"fmt"
	"strings"

	"hozur/registry/textnorm"
)

// The kinds of records that travel in spreadsheets.
const (
	ExchangeAgencies  = "agencies"
	ExchangeOfficials = "officials"
	ExchangeAccounts  = "accounts"
)

// ImportKinds lists the kinds a spreadsheet can bring in, in the order a
// new registry fills them (agencies before their officials and accounts).
var ImportKinds = []string{ExchangeAgencies, ExchangeOfficials, ExchangeAccounts}

// Choice is one allowed value of a column: the code stored and the Persian
// word people write for it. Either is accepted on import.
type Choice struct {
	Code string
	Fa   string
}

// Column is one column of an import or export sheet. Key is the English
// header, the API's field name; Fa the Persian header. Both are accepted on
// import, in any order.
type Column struct {
	Key      string
	Fa       string
	Required bool
	Choices  []Choice
	Date     bool
	Example  string // the example row's value under an English header
	// ExampleFa is the example under a Persian header, when it differs.
	ExampleFa string
}

var (
	capacityChoices = []Choice{{CapacityInstitutional, "سازمانی"}, {CapacityOffice, "سمتی"}, {CapacityPersonal, "شخصی"}}
	statusChoices   = []Choice{{StatusActive, "فعال"}, {StatusDormant, "غیرفعال"}, {StatusClosureRequested, "درخواست بستن"}, {StatusClosed, "بسته‌شده"}}
	kindChoices     = []Choice{{KindMinistry, "وزارتخانه"}, {KindOrganisation, "سازمان"}, {KindCompany, "شرکت دولتی"}, {KindUniversity, "دانشگاه"},
		{KindProvince, "استانداری"}, {KindProvincial, "ادارهٔ کل استانی"}, {KindCounty, "ادارهٔ شهرستان"}}
	rankChoices    = []Choice{{"1", "۱"}, {"2", "۲"}, {"3", "۳"}, {"4", "۴"}, {"5", "۵"}}
	servingChoices = []Choice{{"true", "بله"}, {"false", "خیر"}}
)

// exchangeColumns are the sheets' columns by kind. An export writes them in
// this order, so what it writes imports back unchanged.
var exchangeColumns = map[string][]Column{
	ExchangeAgencies: {
		{Key: "code", Fa: "کد", Required: true, Example: "MOH-THR"},
		{Key: "name", Fa: "نام", Required: true, Example: "دانشگاه علوم پزشکی تهران"},
		{Key: "name_en", Fa: "نام انگلیسی", Example: "Tehran University of Medical Sciences"},
		{Key: "parent_code", Fa: "کد سازمان بالادست", Example: "MOH"},
		{Key: "kind", Fa: "نوع", Required: true, Choices: kindChoices, Example: KindUniversity, ExampleFa: "دانشگاه"},
	},
	ExchangeOfficials: {
		{Key: "name", Fa: "نام", Required: true, Example: "مریم احمدی"},
		{Key: "agency_code", Fa: "کد سازمان", Required: true, Example: "MOH"},
		{Key: "position", Fa: "سمت", Required: true, Example: "معاون درمان"},
		{Key: "rank", Fa: "رده", Required: true, Choices: rankChoices, Example: "2", ExampleFa: "۲"},
		{Key: "employee_code", Fa: "کد کارمندی", Example: "10482"},
		{Key: "email", Fa: "رایانامه", Example: "m.ahmadi@example.ir"},
		{Key: "phone", Fa: "تلفن", Example: "+982161927000"},
		{Key: "serving", Fa: "در سمت", Choices: servingChoices, Example: "true", ExampleFa: "بله"},
		{Key: "term_start", Fa: "آغاز دوره", Date: true, Example: "2023-04-10", ExampleFa: "۱۴۰۲/۰۱/۲۱"},
	},
	ExchangeAccounts: {
		{Key: "platform", Fa: "سکو", Example: "telegram"},
		{Key: "handle", Fa: "شناسه", Example: "moh_news"},
		{Key: "url", Fa: "نشانی", Example: "https://t.me/moh_news"},
		{Key: "capacity", Fa: "عنوان حساب", Required: true, Choices: capacityChoices, Example: CapacityInstitutional, ExampleFa: "سازمانی"},
		{Key: "agency_code", Fa: "کد سازمان", Example: "MOH"},
		{Key: "official_employee_code", Fa: "کد کارمندی مقام", Example: ""},
		// Without an employee code, the holder is found by name and
		// position in the agency.
		{Key: "official_name", Fa: "نام مقام", Example: ""},
		{Key: "official_position", Fa: "سمت مقام", Example: ""},
		{Key: "status", Fa: "وضعیت", Choices: statusChoices, Example: StatusActive, ExampleFa: "فعال"},
		{Key: "opened_on", Fa: "تاریخ ایجاد", Date: true, Example: "2023-04-10", ExampleFa: "۱۴۰۲/۰۱/۲۱"},
	},
}

// ExchangeColumns returns the columns of a kind's sheet.
func ExchangeColumns(kind string) ([]Column, error) {
	cols, ok := exchangeColumns[kind]
	if !ok {
		return nil, fmt.Errorf("exchange: unknown kind %q", kind)
	}
	return cols, nil
}

// headerKey is how headers compare: case, spaces, underscores and the
// Persian/Arabic spelling of letters do not matter.
func headerKey(h string) string {
	return textnorm.Key(headerSeparators.Replace(h))
}

// choose maps a cell to its choice's code; ok is false when the value is
// none of them.
func choose(choices []Choice, v string) (string, bool) {
	k := textnorm.Key(textnorm.ASCIIDigits(v))
	for _, c := range choices {
		if k == textnorm.Key(c.Code) || k == textnorm.Key(c.Fa) {
			return c.Code, true
		}
	}
	return "", false
}

// ChoiceCodes lists the codes of a column's choices.
func (c Column) ChoiceCodes() []string {
	out := make([]string, len(c.Choices))
	for i, ch := range c.Choices {
		out[i] = ch.Code
	}
	return out
}

// headerSeparators: "agency_code", "agency-code" and "Agency Code" are one header.
var headerSeparators = strings.NewReplacer("_", " ", "-", " ")
