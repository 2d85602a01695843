package textnorm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Invisible characters are spelled out so that a reader sees them.
const (
	tZWNJ = "\u200c"
	tZWJ  = "\u200d"
	tLRM  = "\u200e"
	tRLM  = "\u200f"
	tBOM  = "\ufeff"
	tLRE  = "\u202a"
	tPDF  = "\u202c"
	tNBSP = "\u00a0"
)

// TestKeySame lists spellings that a person means as the same text, taken
// from the pitfalls seen in real registry lists.
func TestKeySame(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"arabic kaf in given name", "ملیكا", "ملیکا"},
		{"arabic yeh and kaf", "علي اكبر", "علی اکبر"},
		{"arabic kaf, space or not", "علی اكبر", "علی‌اکبر"},
		{"alef maksura", "موسى", "موسی"},
		{"compound name space", "علی رضا", "علیرضا"},
		{"compound name zwnj", "علی" + tZWNJ + "رضا", "علیرضا"},
		{"family name zwnj vs space", "علی" + tZWNJ + "پور", "علی پور"},
		{"family name space vs nothing", "علی پور", "علیپور"},
		{"abdollah split", "عبد الله", "عبدالله"},
		{"abdollah zwnj", "عبد" + tZWNJ + "الله", "عبدالله"},
		{"mohammadreza", "محمد رضا", "محمدرضا"},
		{"amirhossein two spaces", "امیر  حسین", "امیرحسین"},
		{"tatweel", "محـــمد", "محمد"},
		{"harakat", "مُحَمَّد", "محمد"},
		{"superscript alef", "رحمٰن", "رحمن"},
		{"ta marbuta", "فاطمة", "فاطمه"},
		{"heh with hamza above", "خانهٔ", "خانه"},
		{"alef madda", "آرش", "ارش"},
		{"alef hamza", "أحمد", "احمد"},
		{"yeh hamza", "رئیس", "رییس"},
		{"yeh hamza in name", "مائده", "مایده"},
		{"waw hamza", "مسؤول", "مسوول"},
		{"lrm and rlm", tRLM + "حسینی" + tLRM, "حسینی"},
		{"bom", tBOM + "رضایی", "رضایی"},
		{"bidi embedding", tLRE + "@irna_en" + tPDF, "irna_en"},
		{"zwj", "ه" + tZWJ, "ه"},
		{"nbsp", "وزارت" + tNBSP + "نفت", "وزارت نفت"},
		{"newline and tab", "وزارت\n\tنیرو", "وزارت نیرو"},
		{"persian comma", "بهداشت، درمان و آموزش پزشکی", "بهداشت درمان و آموزش پزشکی"},
		{"comma in trade", "صنعت، معدن و تجارت", "صنعت معدن و تجارت"},
		{"hyphen dropped", "سیستان-و-بلوچستان", "سیستان و بلوچستان"},
		{"guillemets and quotes", "«وزارت کشور»", "\"وزارت کشور\""},
		{"persian digits phone", "۰۹۱۲ ۱۲۳ ۴۵۶۷", "09121234567"},
		{"arabic indic digits phone", "٠٩١٢١٢٣٤٥٦٧", "09121234567"},
		{"plus and dashes in phone", "+98-912-123-4567", "989121234567"},
		{"latin case", "IRNA_En", "irna_en"},
		{"mixed script case", "Akhbare Fori خبر", "akhbarefori خبر"},
		{"at sign dropped", "@AkhbareFori", "akhbarefori"},
		{"full-width latin", "ＩＲＮＡ", "irna"},
		{"presentation forms", "ﻣﺤﻤﺪ", "محمد"},
		{"lam-alef ligature", "ﻻله", "لاله"},
		{"allah ligature", "عبدﷲ", "عبدالله"},
		{"rial sign", "۱۰۰ ﷼", "100ریال"},
		{"decimal separator", "۳٫۵", "3.5"},
		{"arabic question mark", "چرا؟", "چرا"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Key(tt.a), Key(tt.b); ka != kb {
				t.Errorf("Key(%q) = %q, Key(%q) = %q; want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
}

// TestKeyDifferent guards against folding so much that distinct names meet.
func TestKeyDifferent(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"mohammad vs ahmad", "محمد", "احمد"},
		{"mohammadi vs ahmadi", "محمدی", "احمدی"},
		{"hosseini vs hasani", "حسینی", "حسنی"},
		{"nouri vs nowruzi", "نوری", "نوروزی"},
		{"kerman vs kermanshah", "کرمان", "کرمانشاه"},
		{"dot in handle kept", "akhbare.fori", "akhbarefori"},
		{"underscore kept", "irna_en", "irnaen"},
		{"different digits", "۰۹۱۲۱۲۳۴۵۶۷", "09121234568"},
		{"gaf vs kaf", "گل", "کل"},
		{"zeh vs zheh", "زاله", "ژاله"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka := Key(tt.a); ka == Key(tt.b) {
				t.Errorf("Key(%q) = Key(%q) = %q; want different", tt.a, tt.b, ka)
			}
		})
	}
}

// TestKeyValue pins exact keys, so a change of policy shows up here.
func TestKeyValue(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"only noise", " \u200c\u200f ـ ، ", ""},
		{"name", "علی‌پور", "علیپور"},
		{"handle", " @IRNA_en ", "irna_en"},
		{"agency", "وزارت بهداشت، درمان و آموزش پزشکی", "وزارتبهداشتدرمانواموزشپزشکی"},
		{"invalid utf-8 dropped", "ab\xffc", "abc"},
		{"substring works", "دانشگاه علوم پزشکی تهران", "دانشگاهعلومپزشکیتهران"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.in); got != tt.want {
				t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestKeySubstring checks the use Key exists for: searching a part of a name
// typed differently from the stored one.
func TestKeySubstring(t *testing.T) {
	stored := Key("وزارت بهداشت، درمان و آموزش پزشکی")
	for _, q := range []string{"بهداشت درمان", "بهداشت،درمان", "اموزش پزشكي", "آموزش‌پزشکی"} {
		t.Run(q, func(t *testing.T) {
			if !strings.Contains(stored, Key(q)) {
				t.Errorf("Key(%q) = %q not found in %q", q, Key(q), stored)
			}
		})
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"trim and collapse", "  علی   رضایی \t", "علی رضایی"},
		{"arabic yeh and kaf", "ملیكا علي", "ملیکا علی"},
		{"alef maksura", "موسى", "موسی"},
		{"zwnj kept", "علی" + tZWNJ + "پور", "علی" + tZWNJ + "پور"},
		{"space kept", "علی پور", "علی پور"},
		{"zwnj next to space dropped", "علی " + tZWNJ + "پور", "علی پور"},
		{"zwnj at ends dropped", tZWNJ + "علی" + tZWNJ, "علی"},
		{"repeated zwnj", "می" + tZWNJ + tZWNJ + "روم", "می" + tZWNJ + "روم"},
		{"bidi marks dropped", tRLM + "حسینی" + tLRM, "حسینی"},
		{"bom dropped", tBOM + "رضا", "رضا"},
		{"tatweel dropped", "محـــمد", "محمد"},
		{"harakat kept", "مُحَمَّد", "مُحَمَّد"},
		{"ta marbuta kept", "فاطمة", "فاطمة"},
		{"alef madda kept", "آرش", "آرش"},
		{"latin case kept", "AkhbareFori", "AkhbareFori"},
		{"punctuation kept", "بهداشت، درمان", "بهداشت، درمان"},
		{"digits to ascii", "منطقه ۳ و ٤", "منطقه 3 و 4"},
		{"presentation forms", "ﻣﺤﻤﺪ", "محمد"},
		{"phrase ligature kept", "ﷺ", "ﷺ"},
		{"newline becomes space", "وزارت\nنفت", "وزارت نفت"},
		{"invalid utf-8 dropped", "a\xffb", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Display(tt.in); got != tt.want {
				t.Errorf("Display(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ name, in, ascii, persian string }{
		{"persian", "۰۹۱۲۱۲۳۴۵۶۷", "09121234567", "۰۹۱۲۱۲۳۴۵۶۷"},
		{"arabic-indic", "٠٩١٢١٢٣٤٥٦٧", "09121234567", "٠٩١٢١٢٣٤٥٦٧"},
		{"ascii", "+98 912", "+98 912", "+۹۸ ۹۱۲"},
		{"mixed with text", "کد ۱۲a3", "کد 12a3", "کد ۱۲a۳"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ASCIIDigits(tt.in); got != tt.ascii {
				t.Errorf("ASCIIDigits(%q) = %q, want %q", tt.in, got, tt.ascii)
			}
			if got := PersianDigits(tt.in); got != tt.persian {
				t.Errorf("PersianDigits(%q) = %q, want %q", tt.in, got, tt.persian)
			}
		})
	}
}

// FuzzKey checks the promises callers rely on: no panic, idempotence (a key
// stored yesterday still matches a key computed today), valid UTF-8, and
// that storing the Display form loses nothing the key needs.
func FuzzKey(f *testing.F) {
	for _, s := range []string{
		"", "ملیكا", "علی" + tZWNJ + "پور", "محـــمد", "۰۹۱۲ ٠٩١٢", "@IRNA_en",
		tRLM + "بهداشت، درمان" + tLRM, "ﻣﺤﻤﺪ ﻻ ﷲ ﷺ", "ＩＲＮＡ", "ab\xffc", "İstanbul ẞ",
		"مُحَمَّد ٰ ٫", "\ufe70\ufe71",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Key(s)
		if !utf8.ValidString(k) {
			t.Fatalf("Key(%q) = %q is not valid UTF-8", s, k)
		}
		if kk := Key(k); kk != k {
			t.Fatalf("Key not idempotent: Key(%q) = %q, Key(that) = %q", s, k, kk)
		}
		d := Display(s)
		if !utf8.ValidString(d) {
			t.Fatalf("Display(%q) = %q is not valid UTF-8", s, d)
		}
		if dd := Display(d); dd != d {
			t.Fatalf("Display not idempotent: Display(%q) = %q, Display(that) = %q", s, d, dd)
		}
		if kd := Key(d); kd != k {
			t.Fatalf("Key(Display(%q)) = %q, Key = %q", s, kd, k)
		}
	})
}
