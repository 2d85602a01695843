package registry

import (
	"fmt"
	"strings"
	"time"
)

// The declaration of personal data: every personal field Hozur holds, with
// why, on what legal basis, for how long and whether it is encrypted. The
// privacy directive asks an executive agency to say why it keeps each item
// of a person's data; this list is what the privacy page shows, what an
// access export carries, and what the guard test (privacy_test.go) holds
// the models to: a personal-looking field that is not declared here fails
// the build.
//
// The texts are part of the declaration, in both languages, rather than
// message keys: an access export carries them as they are, readable without
// the interface.

// Record kinds the declaration groups fields by, in the privacy page's order.
const (
	PrivacyOfficial      = "official"
	PrivacyAccount       = "account"
	PrivacyJustification = "justification"
	PrivacyExemption     = "exemption"
	PrivacyUser          = "user"
	PrivacySignIn        = "signin"
	PrivacyAudit         = "audit"
	PrivacyImport        = "import"
	PrivacyMail          = "mail"
	PrivacyErasure       = "erasure"
	PrivacyAssessment    = "assessment"
)

// PrivacyKinds lists the record kinds in display order.
var PrivacyKinds = []string{PrivacyOfficial, PrivacyAccount, PrivacyJustification, PrivacyExemption, PrivacyUser,
	PrivacySignIn, PrivacyAudit, PrivacyImport, PrivacyMail, PrivacyErasure, PrivacyAssessment}

// Text is a sentence in Persian and English.
type Text struct {
	Fa, En string
}

// In is the text in lang: English for "en", Persian otherwise.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.En
	}
	return t.Fa
}

// PersonalField is one item of personal data: a column of a table.
type PersonalField struct {
	Kind      string // one of PrivacyKinds
	Table     string
	Column    string
	What      Text
	Purpose   Text
	Basis     Text // the legal basis
	Retention Text
	// Encrypted: sealed at rest with the official's data key (see vault).
	Encrypted bool
	// Hashed: stored only as a one-way keyed hash, for exact-match
	// lookups; the value itself cannot be read back.
	Hashed bool
}

// PrivacyTerms are the configured periods the retention texts state.
type PrivacyTerms struct {
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	LoginWindow     time.Duration
	// Retention: see PurgeRetained.
	LeftOfficeMonths    int
	ClosedAccountMonths int
}

// DefaultPrivacyTerms are the configuration's defaults.
func DefaultPrivacyTerms() PrivacyTerms {
	return PrivacyTerms{SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour, LoginWindow: 15 * time.Minute,
		LeftOfficeMonths: 24, ClosedAccountMonths: 12}
}

// months says a number of months in both languages.
func months(n int) Text {
	if n == 1 {
		return Text{Fa: "1 ماه", En: "1 month"}
	}
	return Text{Fa: fmt.Sprintf("%d ماه", n), En: fmt.Sprintf("%d months", n)}
}

// span says a duration in both languages, in its largest whole unit.
func span(d time.Duration) Text {
	type unit struct {
		d      time.Duration
		fa, en string
	}
	for _, u := range []unit{{24 * time.Hour, "روز", "day"}, {time.Hour, "ساعت", "hour"}, {time.Minute, "دقیقه", "minute"}} {
		if d >= u.d && d%u.d == 0 {
			n := int64(d / u.d)
			en := fmt.Sprintf("%d %s", n, u.en)
			if n != 1 {
				en += "s"
			}
			return Text{Fa: fmt.Sprintf("%d %s", n, u.fa), En: en}
		}
	}
	return Text{Fa: fmt.Sprintf("%d ثانیه", int64(d/time.Second)), En: fmt.Sprintf("%d seconds", int64(d/time.Second))}
}

// fill replaces {name} in both languages with the named texts.
func (t Text) fill(args map[string]Text) Text {
	for k, v := range args {
		t.Fa = strings.ReplaceAll(t.Fa, "{"+k+"}", v.Fa)
		t.En = strings.ReplaceAll(t.En, "{"+k+"}", v.En)
	}
	return t
}

// The legal bases.
var (
	basisRules = Text{
		Fa: "ضوابط و الزامات حضور و فعالیت مسئولان و دستگاه‌های اجرایی در فضای مجازی: ثبت حساب‌ها و نظارت بر رعایت ضوابط، وظیفهٔ دفتر نظارت است",
		En: "The rules for the presence of officials and executive agencies on social media: registering accounts and overseeing compliance is the oversight office's duty",
	}
	basisSecurity = Text{
		Fa: "دستورالعمل حفاظت از حریم خصوصی کاربران: نگهداری امن داده‌ها و جلوگیری از دسترسی غیرمجاز",
		En: "The directive on protecting users' privacy: keeping data secure and preventing unauthorised access",
	}
	basisAccountability = Text{
		Fa: "ضوابط حضور مسئولان در فضای مجازی: پاسخ‌گویی دربارهٔ هر تغییر در ثبت رسمی و سابقهٔ تغییرناپذیر آن",
		En: "The rules for officials' presence on social media: accountability for every change to the official registry, kept tamper-evident",
	}
	basisDirective = Text{
		Fa: "دستورالعمل حفاظت از حریم خصوصی کاربران: حذف داده‌ها به درخواست شخص و نظارت بر رعایت دستورالعمل",
		En: "The directive on protecting users' privacy: deleting a person's data on request and supervising compliance with the directive",
	}
)

// The retention periods.
var (
	keepInOffice = Text{
		Fa: "در دوران تصدی سمت و تا {left_office} پس از پایان دوره؛ سپس خودکار پاک می‌شود، و زودتر اگر پاک‌سازی درخواست شود",
		En: "While in office and for {left_office} after the term ends; then erased automatically, or sooner if erasure is requested",
	}
	keepOffice = Text{
		Fa: "همراه سابقهٔ سمت، حتی پس از پاک‌سازی، تا تاریخچهٔ سمت و حساب‌های آن درست بماند",
		En: "With the office's record, also after erasure, so that the history of the office and its accounts stays right",
	}
	keepAccount = Text{
		Fa: "تا زمانی که حساب ثبت است؛ شناسهٔ حساب بسته‌شده {closed_account} پس از بسته شدن پاک می‌شود، و با پاک‌سازی داده‌های دارنده نیز",
		En: "While the account is registered; a closed account's handle is erased {closed_account} after closing, and when its holder's data is erased",
	}
	keepJustification = Text{
		Fa: "همراه توجیه؛ با پاک‌سازی داده‌های مقام (به درخواست، یا {left_office} پس از پایان دوره) دیگر خواندنی نیست",
		En: "With the justification; unreadable once the official's data is erased (on request, or {left_office} after their term ends)",
	}
	keepUser = Text{
		Fa: "تا زمانی که کاربر وجود دارد؛ مدیر سامانه کاربری را که دیگر لازم نیست حذف می‌کند",
		En: "While the user exists; an administrator deletes users no longer needed",
	}
	keepFactor = Text{
		Fa: "تا زمانی که کاربر ورود دومرحله‌ای را خاموش کند، مدیر سامانه آن را بازنشانی کند یا کاربر حذف شود",
		En: "Until the user turns two-factor sign-in off, an administrator resets it, or the user is deleted",
	}
	keepAudit = Text{
		Fa: "همیشگی: ردپای تغییرات زنجیره‌ای از چکیده‌هاست و هیچ رویدادی ویرایش یا حذف نمی‌شود",
		En: "Permanently: the audit trail is a hash chain, and no event is ever changed or removed",
	}
	keepErasure = Text{
		Fa: "همراه درخواست، به‌عنوان سابقهٔ رسیدگی به آن",
		En: "With the request, as the record that it was handled",
	}
	keepHistory = Text{
		Fa: "همراه سابقه‌ای که به آن تعلق دارد، به‌عنوان تاریخچه",
		En: "With the record it belongs to, as history",
	}
)

// Declaration is every personal field Hozur holds, with the retention texts
// filled in from t.
func Declaration(t PrivacyTerms) []PersonalField {
	args := map[string]Text{"idle": span(t.SessionIdle), "lifetime": span(t.SessionLifetime), "window": span(t.LoginWindow),
		"import": span(importKeep), "left_office": months(t.LeftOfficeMonths), "closed_account": months(t.ClosedAccountMonths)}
	out := make([]PersonalField, len(declaration))
	for i, f := range declaration {
		f.Retention = f.Retention.fill(args)
		out[i] = f
	}
	return out
}

var declaration = []PersonalField{
	// The official's record.
	{Kind: PrivacyOfficial, Table: "officials", Column: "name",
		What:    Text{"نام و نام خانوادگی", "Full name"},
		Purpose: Text{"شناختن دارندهٔ سمت و حساب‌هایی که به نام او ثبت شده است", "To know who holds the office and which accounts are registered to them"},
		Basis:   basisRules, Retention: keepInOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "name_key",
		What:    Text{"شکل یکسان‌شدهٔ نام، برای جست‌وجو", "The name in a normalised form, for search"},
		Purpose: Text{"یافتن مقام با نامش، با هر نگارشی از حروف", "To find an official by name however the letters are typed"},
		Basis:   basisRules, Retention: keepInOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "position",
		What:    Text{"عنوان سمت", "Position title"},
		Purpose: Text{"دانستن سمتی که فرد دارد و ضوابطی که بر حساب‌های آن حاکم است", "To know the office held and which rules apply to its accounts"},
		Basis:   basisRules, Retention: keepOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "term_start",
		What:    Text{"آغاز دورهٔ تصدی", "Start of term"},
		Purpose: Text{"دانستن این‌که سمت و حساب‌های آن از چه زمانی با این فرد است", "To know since when the office and its accounts are theirs"},
		Basis:   basisRules, Retention: keepOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "term_end",
		What:    Text{"پایان دورهٔ تصدی", "End of term"},
		Purpose: Text{"سپردن حساب‌های سمت به جانشین", "To hand the office's accounts to the successor"},
		Basis:   basisRules, Retention: keepOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "email", Encrypted: true,
		What:    Text{"نشانی ایمیل", "E-mail address"},
		Purpose: Text{"فرستادن یادآوری‌ها، پرسش‌ها و تصمیم‌های مربوط به حساب‌ها", "To send reminders, questions and decisions about their accounts"},
		Basis:   basisRules, Retention: keepInOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "email_idx", Hashed: true,
		What:    Text{"چکیدهٔ کلیددار نشانی ایمیل (برگشت‌ناپذیر)", "A keyed hash of the e-mail address (one-way)"},
		Purpose: Text{"یافتن مقام با نشانی ایمیل کامل، بی‌آن‌که نشانی‌ها رمزگشایی شوند", "To find an official by their exact e-mail address without decrypting any"},
		Basis:   basisRules, Retention: keepInOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "phone", Encrypted: true,
		What:    Text{"شمارهٔ تلفن", "Phone number"},
		Purpose: Text{"تماس دربارهٔ مهلت بستن حساب یا پرسش‌های دفتر نظارت", "To reach them about a closure deadline or the oversight office's questions"},
		Basis:   basisRules, Retention: keepInOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "employee_code", Encrypted: true,
		What:    Text{"کد کارمندی", "Employee code"},
		Purpose: Text{"تطبیق سوابق با فهرست کارکنان دستگاه هنگام ورود گروهی", "To match records with the agency's staff lists in imports"},
		Basis:   basisRules, Retention: keepInOffice},
	{Kind: PrivacyOfficial, Table: "officials", Column: "employee_code_idx", Hashed: true,
		What:    Text{"چکیدهٔ کلیددار کد کارمندی (برگشت‌ناپذیر)", "A keyed hash of the employee code (one-way)"},
		Purpose: Text{"یکتا نگه داشتن کد کارمندی در هر دستگاه بی‌آن‌که کدها رمزگشایی شوند", "To keep employee codes unique in an agency without decrypting any"},
		Basis:   basisRules, Retention: keepInOffice},
	// Personal-capacity accounts; institutional and office accounts are the
	// agency's and the office's public presence, not a person's data, and
	// stay in the clear. A personal account's handle is kept as a keyed
	// hash, so that the account is registered once per platform and found
	// by its exact handle; what can be read back is sealed.
	{Kind: PrivacyAccount, Table: "accounts", Column: "handle", Hashed: true,
		What:    Text{"شناسهٔ حساب شخصی، به شکل چکیدهٔ کلیددار سکو و شناسه", "Handle of a personal account, as a keyed hash of the platform and the handle"},
		Purpose: Text{"ثبت یک‌بارهٔ هر حساب و یافتن آن با شناسهٔ دقیقش", "To register each account once and find it by its exact handle"},
		Basis:   basisRules, Retention: keepAccount},
	{Kind: PrivacyAccount, Table: "accounts", Column: "display", Encrypted: true,
		What:    Text{"شناسهٔ حساب شخصی، همان‌گونه که نوشته شده", "Handle of a personal account, as written"},
		Purpose: Text{"نشان دادن حساب به خود مقام و دفتر نظارت", "To show the account to the official and the oversight office"},
		Basis:   basisRules, Retention: keepAccount},
	{Kind: PrivacyAccount, Table: "accounts", Column: "url", Encrypted: true,
		What:    Text{"پیوند حساب شخصی", "Link to a personal account"},
		Purpose: Text{"شناختن سکو و حساب و بررسی درستی آن", "To recognise the platform and the account, and to verify it"},
		Basis:   basisRules, Retention: keepAccount},
	// Justifications and their conversation.
	{Kind: PrivacyJustification, Table: "justifications", Column: "statement", Encrypted: true,
		What:    Text{"متن توجیه حضور در سکوی خارجی", "Statement of a justification for a foreign platform"},
		Purpose: Text{"تصمیم‌گیری دربارهٔ ضرورت شغلی حضور در سکوی خارجی", "To decide whether a presence on a foreign platform is a job necessity"},
		Basis:   basisRules, Retention: keepJustification},
	{Kind: PrivacyJustification, Table: "justification_notes", Column: "body", Encrypted: true,
		What: Text{"پرسش‌های دفتر نظارت دربارهٔ توجیه و پاسخ‌های مقام (پاسخ‌ها رمزنگاری می‌شوند)",
			"The oversight office's questions about a justification and the official's answers (the answers are encrypted)"},
		Purpose: Text{"گفت‌وگوی مقام و دفتر نظارت تا رسیدن به تصمیم", "The conversation between the official and the oversight office up to a decision"},
		Basis:   basisRules, Retention: keepJustification},
	{Kind: PrivacyJustification, Table: "justification_notes", Column: "author",
		What:    Text{"نویسندهٔ هر پیام (نام کاربری)", "Who wrote each message (username)"},
		Purpose: Text{"دانستن این‌که در گفت‌وگو چه کسی چه گفته است", "To know who said what in the conversation"},
		Basis:   basisRules, Retention: keepJustification},
	{Kind: PrivacyExemption, Table: "exemptions", Column: "snapshot",
		What: Text{"مشخصات حساب در زمان تصمیم: سکو، دستگاه و نام دارنده (شناسه و پیوند حساب شخصی در آن نوشته نمی‌شود)",
			"The account's facts at the decision: platform, agency and holder's name (a personal account's handle and link are never written there)"},
		Purpose: Text{"خواندنی ماندن تصمیم همان‌گونه که گرفته شد، حتی اگر حساب بعدها تغییر کند", "To keep the decision readable as it was made, even if the account changes later"},
		Basis:   basisAccountability, Retention: keepHistory},
	// Users.
	{Kind: PrivacyUser, Table: "users", Column: "username",
		What:    Text{"نام کاربری", "Username"},
		Purpose: Text{"ورود به سامانه و نشان دادن این‌که چه کسی چه کرده است", "To sign in, and to show who did what"},
		Basis:   basisSecurity, Retention: keepUser},
	{Kind: PrivacyUser, Table: "users", Column: "email",
		What:    Text{"نشانی ایمیل کاربر", "The user's e-mail address"},
		Purpose: Text{"فرستادن اعلان‌ها، یادآوری‌ها و گزارش هفتگی", "To send notifications, reminders and the weekly report"},
		Basis:   basisRules, Retention: keepUser},
	{Kind: PrivacyUser, Table: "users", Column: "locale",
		What:    Text{"زبان رابط کاربری", "Interface language"},
		Purpose: Text{"نشان دادن صفحه‌ها و ایمیل‌ها به زبانی که کاربر برگزیده است", "To show pages and e-mail in the language the user chose"},
		Basis:   basisSecurity, Retention: keepUser},
	{Kind: PrivacyUser, Table: "users", Column: "last_login_at",
		What:    Text{"زمان آخرین ورود", "Time of the last sign-in"},
		Purpose: Text{"شناسایی کاربری‌های بی‌استفاده یا ورودهای مشکوک", "To spot unused user accounts and suspicious sign-ins"},
		Basis:   basisSecurity, Retention: keepUser},
	// Signing in.
	{Kind: PrivacySignIn, Table: "sessions", Column: "last_seen_at",
		What:    Text{"نشست‌های ورود و زمان آخرین استفاده از هر یک", "Signed-in sessions and when each was last used"},
		Purpose: Text{"وارد نگه داشتن کاربر و پایان دادن به نشست‌های رهاشده", "To keep the user signed in and to end abandoned sessions"},
		Basis:   basisSecurity,
		Retention: Text{"تا خروج، یا پس از {idle} بی‌استفاده ماندن، یا دست‌بالا {lifetime} پس از ورود؛ نشست‌های پایان‌یافته هر شب پاک می‌شوند",
			"Until sign-out, {idle} without use, or at most {lifetime} after sign-in; ended sessions are removed every night"}},
	{Kind: PrivacySignIn, Table: "login_failures", Column: "username",
		What:    Text{"نام کاربری واردشده در ورود ناموفق", "Username typed in a failed sign-in"},
		Purpose: Text{"کند کردن حدس زدن گذرواژه", "To slow down password guessing"},
		Basis:   basisSecurity,
		Retention: Text{"به مدت {window} شمرده می‌شود و پس از یک روز پاک می‌شود",
			"Counted for {window}; removed after a day"}},
	{Kind: PrivacySignIn, Table: "login_failures", Column: "ip",
		What:    Text{"نشانی IP ورود ناموفق", "IP address of a failed sign-in"},
		Purpose: Text{"کند کردن حدس زدن گذرواژه از یک نشانی", "To slow down password guessing from one address"},
		Basis:   basisSecurity,
		Retention: Text{"به مدت {window} شمرده می‌شود و پس از یک روز پاک می‌شود",
			"Counted for {window}; removed after a day"}},
	// The second factor at sign-in (security.totp), for those who turn it on.
	{Kind: PrivacySignIn, Table: "user_factors", Column: "secret", Encrypted: true,
		What:    Text{"کلید مشترک برنامهٔ احراز هویت (ورود دومرحله‌ای)", "The authenticator app's shared secret (two-factor sign-in)"},
		Purpose: Text{"بررسی کدهای یک‌بارمصرف هنگام ورود", "To check the one-time codes given at sign-in"},
		Basis:   basisSecurity, Retention: keepFactor},
	{Kind: PrivacySignIn, Table: "user_factors", Column: "confirmed_at",
		What:    Text{"زمان روشن شدن ورود دومرحله‌ای", "When two-factor sign-in was turned on"},
		Purpose: Text{"دانستن این‌که از چه زمانی برای ورود کد خواسته می‌شود", "To know since when a code is asked for at sign-in"},
		Basis:   basisSecurity, Retention: keepFactor},
	{Kind: PrivacySignIn, Table: "user_factors", Column: "last_step",
		What:    Text{"بازهٔ ۳۰ ثانیه‌ای آخرین کد پذیرفته‌شده", "The 30-second step of the last code accepted"},
		Purpose: Text{"نپذیرفتن دوبارهٔ همان کد", "To refuse the same code a second time"},
		Basis:   basisSecurity, Retention: keepFactor},
	{Kind: PrivacySignIn, Table: "user_recovery_codes", Column: "code_hash", Hashed: true,
		What:    Text{"کدهای بازیابی، به شکل چکیدهٔ کلیددار (برگشت‌ناپذیر)", "Recovery codes, as keyed hashes (one-way)"},
		Purpose: Text{"ورود بدون برنامهٔ احراز هویت، هر کد یک بار", "To sign in without the authenticator app, each code once"},
		Basis:   basisSecurity, Retention: keepFactor},
	{Kind: PrivacySignIn, Table: "user_recovery_codes", Column: "used_at",
		What:    Text{"زمان به‌کار رفتن هر کد بازیابی", "When each recovery code was used"},
		Purpose: Text{"نپذیرفتن دوبارهٔ کد و نشان دادن شمار کدهای باقی‌مانده", "To refuse a used code and to show how many are left"},
		Basis:   basisSecurity, Retention: keepFactor},
	{Kind: PrivacySignIn, Table: "signin_challenges", Column: "created_at",
		What:    Text{"ورودهای نیمه‌تمام: گذرواژه درست بوده و کد هنوز داده نشده است", "Sign-ins half done: the password was right and the code is awaited"},
		Purpose: Text{"خواستن کد فقط از کسی که گذرواژه را درست وارد کرده است", "To ask for the code only of someone who gave the right password"},
		Basis:   basisSecurity,
		Retention: Text{"۵ دقیقه؛ سپس بی‌اثر است و هر شب پاک می‌شود",
			"5 minutes; then void, and removed every night"}},
	// The audit trail.
	{Kind: PrivacyAudit, Table: "audit_events", Column: "actor",
		What:    Text{"انجام‌دهندهٔ هر تغییر (نام کاربری)", "Who made each change (username)"},
		Purpose: Text{"پاسخ‌گویی: چه کسی، چه چیزی را، چه زمانی تغییر داد", "Accountability: who changed what, and when"},
		Basis:   basisAccountability, Retention: keepAudit},
	{Kind: PrivacyAudit, Table: "audit_events", Column: "change",
		What: Text{"آنچه هر تغییر عوض کرد، پیش و پس از آن (نام مقام در آن رمزنگاری می‌شود؛ اطلاعات تماس و شناسهٔ حساب‌های شخصی در آن نوشته نمی‌شود)",
			"What each change altered, before and after (an official's name in it is encrypted; contact details and personal handles are never written there)"},
		Purpose: Text{"پاسخ‌گویی: روشن بودن این‌که هر تغییر چه بود", "Accountability: what each change was"},
		Basis:   basisAccountability, Retention: keepAudit},
	{Kind: PrivacyAudit, Table: "audit_events", Column: "ip",
		What:    Text{"نشانی IP که هر تغییر از آن انجام شد", "IP address each change came from"},
		Purpose: Text{"پیگیری تغییرهای ناروا تا دستگاهی که از آن انجام شده‌اند", "To trace a wrongful change back to where it was made"},
		Basis:   basisAccountability, Retention: keepAudit},
	// Uploads.
	{Kind: PrivacyImport, Table: "imports", Column: "data", Encrypted: true,
		What:    Text{"فایل‌های صفحه‌گسترده‌ای که برای ورود گروهی بارگذاری می‌شوند (شاید با نام، ایمیل و تلفن)", "Spreadsheets uploaded for import (may hold names, e-mail addresses and phone numbers)"},
		Purpose: Text{"بررسی فایل پیش از اعمال آن در ثبت", "To check a file before it is applied to the registry"},
		Basis:   basisRules,
		Retention: Text{"تا اعمال فایل، و دست‌بالا {import}؛ پس از آن فقط نتیجهٔ بررسی می‌ماند",
			"Until the file is applied, at most {import}; afterwards only the check's result stays"}},
	// E-mail.
	{Kind: PrivacyMail, Table: "deliveries", Column: "recipient",
		What:    Text{"نشانی گیرندهٔ هر ایمیل", "Address each e-mail was sent to"},
		Purpose: Text{"فرستادن هر پیام فقط یک بار و تلاش دوباره برای پیام‌های ناموفق", "To send each message once, and retry those that failed"},
		Basis:   basisRules, Retention: Text{"به‌عنوان سابقهٔ پیام‌های فرستاده‌شده", "As the record of the messages sent"}},
	// Erasure requests.
	{Kind: PrivacyErasure, Table: "erasure_requests", Column: "details", Encrypted: true,
		What:    Text{"شرح درخواست پاک‌سازی", "What an erasure request says"},
		Purpose: Text{"رسیدگی به درخواست و ثبت نتیجهٔ آن", "To handle the request and record its outcome"},
		Basis:   basisDirective, Retention: keepErasure},
	{Kind: PrivacyErasure, Table: "erasure_requests", Column: "requester",
		What:    Text{"درخواست‌دهنده (نام کاربری مقام یا رابط دستگاه او)", "Who asked (username of the official or their agency's liaison)"},
		Purpose: Text{"دانستن این‌که درخواست از سوی چه کسی است و پاسخ به او", "To know who asked, and to answer them"},
		Basis:   basisDirective, Retention: keepErasure},
	{Kind: PrivacyErasure, Table: "erasure_requests", Column: "decider",
		What:    Text{"تصمیم‌گیرنده در دفتر نظارت (نام کاربری)", "Who decided in the oversight office (username)"},
		Purpose: Text{"پاسخ‌گویی دربارهٔ پاک‌سازی یا نگه‌داشتن داده‌ها", "Accountability for erasing or keeping the data"},
		Basis:   basisDirective, Retention: keepErasure},
	// Platform assessments.
	{Kind: PrivacyAssessment, Table: "platform_assessments", Column: "assessor_name",
		What:    Text{"نام ارزیاب حریم خصوصی سکو", "Name of who assessed a platform's privacy"},
		Purpose: Text{"پاسخ‌گویی دربارهٔ ارزیابی", "Accountability for the assessment"},
		Basis:   basisDirective, Retention: keepHistory},
}

// Declared reports whether table.column is in the declaration.
func Declared(table, column string) bool {
	for _, f := range declaration {
		if f.Table == table && f.Column == column {
			return true
		}
	}
	return false
}
