// Package textnorm gives Persian and English text the two forms Hozur needs:
// a display form, stored as a person typed it but free of keyboard noise, and
// a key, used only to compare and search.
//
// Real lists mix the Arabic and Persian keyboards (ي/ی, ك/ک), write one name
// with a space, a ZWNJ or nothing between its parts (علی رضا, علی‌رضا,
// علیرضا), carry invisible bidi marks copied from web pages, and write
// digits in three scripts. The key erases all of those differences so that
// one person or agency is found however it was typed.
package textnorm

import (
	"strings"
	"unicode"
)

const (
	zwnj         = '\u200C'
	zwj          = '\u200D'
	tatweel      = '\u0640'
	persianYeh   = '\u06CC' // ی
	persianKeheh = '\u06A9' // ک
	heh          = '\u0647' // ه
	alef         = '\u0627' // ا
	waw          = '\u0648' // و
)

// Key returns the search and compare key of s.
//
// On top of what Display does, Key folds letters that Persian writers use
// interchangeably (ة→ه, أ/إ/آ/ٱ→ا, ؤ→و, ئ→ی), removes harakat and other
// Arabic marks, lower-cases, and removes every space, ZWNJ and ZWJ, so that
// «علی رضا», «علی‌رضا» and «علیرضا» share one key and a substring test on
// keys finds a name however it was split.
//
// Punctuation and symbols are removed as well («بهداشت، درمان» and
// «بهداشت درمان» are one agency; «+98 912» and «98912» one phone), except
// '_' and '.', which are part of social-media handles, so «akhbare.fori» and
// «akhbarefori» stay apart. The Arabic decimal separator «٫» becomes '.'.
// The standalone hamza «ء» is kept: dropping it would merge words that differ.
//
// Key is idempotent and always returns valid UTF-8; invalid bytes are
// dropped.
func Key(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if exp, ok := presentation[r]; ok {
			for _, x := range exp {
				keyRune(&b, x)
			}
			continue
		}
		keyRune(&b, r)
	}
	return b.String()
}

// keyRune writes the key form of one rune, or nothing if the key drops it.
func keyRune(b *strings.Builder, r rune) {
	r = foldKeyLetter(foldCommon(r))
	switch {
	case r == '_' || r == '.':
		b.WriteRune(r)
	case unicode.IsSpace(r), r == zwnj, r == zwj, r == tatweel, isInvisible(r),
		isArabicMark(r), unicode.IsPunct(r), unicode.IsSymbol(r):
		// Dropped: see Key for why each class goes.
	default:
		b.WriteRune(unicode.ToLower(r))
	}
}

// Display returns the form of s to store as a person entered it.
//
// It trims, turns every run of white space into one space, maps the Arabic
// yeh and kaf (ي ى ك) to the Persian ones (ی ک), folds Arabic presentation
// forms pasted from PDFs into ordinary letters, and removes tatweel, bidi
// marks, the BOM and other invisible format characters that only confuse
// later edits. ZWNJ is kept where it was typed between two letters, because
// it is correct Persian spelling (علی‌پور), but a ZWNJ at either end, next to
// a space or repeated carries no meaning and is removed.
//
// Digits become ASCII: stored data holds ASCII digits and the view localises
// them (see PersianDigits), so that one record never mixes three scripts.
func Display(s string) string {
	out := make([]rune, 0, len(s))
	var space, joinBreak bool
	emit := func(r rune) {
		switch {
		case unicode.IsSpace(r):
			space = true
		case r == zwnj:
			joinBreak = true
		case r == tatweel, isInvisible(r):
			// Dropped without breaking the word it sits in.
		default:
			if len(out) > 0 {
				if space {
					out = append(out, ' ')
				} else if joinBreak {
					out = append(out, zwnj)
				}
			}
			space, joinBreak = false, false
			out = append(out, r)
		}
	}
	for _, r := range strings.ToValidUTF8(s, "") {
		// A presentation form that expands to several words (a ligature of
		// a whole phrase, or a space-and-haraka form) is left as typed:
		// expanding it would invent word breaks the writer did not type.
		if exp, ok := presentation[r]; ok && !strings.ContainsRune(exp, ' ') {
			for _, x := range exp {
				emit(foldCommon(x))
			}
			continue
		}
		emit(foldCommon(r))
	}
	return string(out)
}

// ASCIIDigits replaces Persian (۰-۹) and Arabic-Indic (٠-٩) digits with
// ASCII ones and leaves everything else alone, for phone numbers and codes
// where any other change would be wrong.
func ASCIIDigits(s string) string {
	return strings.Map(asciiDigit, s)
}

// PersianDigits replaces ASCII digits with Persian ones (۰-۹) for display in
// the Persian interface; stored data keeps ASCII digits.
func PersianDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '۰' + (r - '0')
		}
		return r
	}, s)
}

// asciiDigit maps one Persian or Arabic-Indic digit to ASCII.
func asciiDigit(r rune) rune {
	switch {
	case r >= '۰' && r <= '۹':
		return '0' + (r - '۰')
	case r >= '٠' && r <= '٩':
		return '0' + (r - '٠')
	}
	return r
}

// foldCommon holds the mappings Display and Key share: the Arabic keyboard's
// yeh and kaf, which look the same as the Persian ones but do not compare
// equal, digits, and full-width ASCII from East Asian input methods.
func foldCommon(r rune) rune {
	switch r {
	case 'ي', 'ى':
		return persianYeh
	case 'ك':
		return persianKeheh
	}
	if r >= '\uFF01' && r <= '\uFF5E' {
		return r - 0xFEE0
	}
	return asciiDigit(r)
}

// foldKeyLetter merges letters that are spelling variants of one another in
// Persian. Display keeps them, because the writer may have meant them.
func foldKeyLetter(r rune) rune {
	switch r {
	case 'ئ':
		return persianYeh
	case 'ة', 'ۀ', 'ە', 'ھ', 'ہ':
		return heh
	case 'أ', 'إ', 'آ', 'ٱ', 'ٲ', 'ٳ':
		return alef
	case 'ؤ':
		return waw
	case '٫': // Arabic decimal separator
		return '.'
	}
	return r
}

// isInvisible reports format and control characters (bidi marks, BOM,
// zero-width space, soft hyphen) that Display drops. ZWNJ and ZWJ are format
// characters too, but they shape Persian words, so only Key drops them.
func isInvisible(r rune) bool {
	if r == zwnj || r == zwj {
		return false
	}
	return unicode.Is(unicode.Cf, r) || (unicode.Is(unicode.Cc, r) && !unicode.IsSpace(r))
}

// isArabicMark reports harakat, the superscript alef and Quranic marks.
// Latin combining marks are kept: they change the letter, not its reading aid.
func isArabicMark(r rune) bool {
	if !unicode.Is(unicode.Mn, r) {
		return false
	}
	return (r >= 0x0610 && r <= 0x06FF) || (r >= 0x0750 && r <= 0x077F) ||
		(r >= 0x08A0 && r <= 0x08FF) || (r >= 0xFE70 && r <= 0xFEFF)
}
