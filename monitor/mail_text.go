package monitor

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"hozur/registry/textnorm"
)

// The messages are in Persian, the registry's language; dates are Solar
// Hijri in the rules' time zone (faDate, week.go), digits Persian.

// mailNum is n in Persian digits.
func mailNum(n int) string { return textnorm.PersianDigits(strconv.Itoa(n)) }

// isolate keeps a left-to-right name (a handle) from scrambling the
// right-to-left sentence around it in a subject or plain text.
func isolate(s string) string { return "\u2068" + s + "\u2069" }

// letter is a short message: paragraphs and an optional link, rendered as
// right-to-left HTML and as plain text.
type letter struct {
	Subject    string
	Facts      []fact
	Paragraphs []string
	Link       string
	LinkText   string
}

var letterHTML = template.Must(template.New("letter").Parse(`<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Subject}}</title></head>
<body dir="rtl" style="margin:0;padding:16px;font-family:Vazirmatn,Tahoma,'Segoe UI',sans-serif;font-size:15px;line-height:1.9;color:#1b1b1b;direction:rtl;text-align:right">
<h1 style="font-size:18px;margin:0 0 12px">{{.Subject}}</h1>
{{if .Facts}}<table role="presentation" style="border-collapse:collapse;margin:0 0 12px">
{{range .Facts}}<tr><th scope="row" style="text-align:right;padding:2px 0 2px 12px;font-weight:bold;vertical-align:top">{{.Label}}</th><td style="padding:2px 0">{{.Value}}</td></tr>
{{end}}</table>
{{end}}{{range .Paragraphs}}<p style="margin:0 0 10px">{{.}}</p>
{{end}}{{if .Link}}<p style="margin:16px 0"><a href="{{.Link}}" style="color:#0b5cad">{{.LinkText}}</a></p>
{{end}}<hr style="border:0;border-top:1px solid #ddd;margin:20px 0 8px">
<p style="margin:0;font-size:12px;color:#666">این پیام را سامانهٔ حضور خودکار فرستاده است؛ به آن پاسخ ندهید.</p>
</body>
</html>
`))

// fact is a labelled line of a letter: the account, its holder, a date.
type fact struct{ Label, Value string }

// render makes the message's HTML and plain text. Paragraphs are text, not
// markup: html/template escapes them.
func (l letter) render() (htmlBody, text string, err error) {
	var b bytes.Buffer
	if err := letterHTML.Execute(&b, l); err != nil {
		return "", "", fmt.Errorf("render message: %w", err)
	}
	var t strings.Builder
	t.WriteString(l.Subject + "\n\n")
	for _, f := range l.Facts {
		t.WriteString(f.Label + ": " + f.Value + "\n")
	}
	if len(l.Facts) > 0 {
		t.WriteString("\n")
	}
	for _, p := range l.Paragraphs {
		t.WriteString(p + "\n\n")
	}
	if l.Link != "" {
		t.WriteString(l.LinkText + ":\n" + l.Link + "\n\n")
	}
	t.WriteString("-- \nاین پیام را سامانهٔ حضور خودکار فرستاده است؛ به آن پاسخ ندهید.\n")
	return b.String(), t.String(), nil
}

// plainText is the readable text of an HTML document, for the plain-text
// alternative of the report mail: block elements become line breaks, table
// cells are separated by " | ", styles and scripts are dropped.
func plainText(doc string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	var b strings.Builder
	skip := 0
	newline := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteString("\n")
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "style", "script", "svg", "head":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "td", "th":
				if tt == html.EndTagToken && skip == 0 {
					b.WriteString(" | ")
				}
			case "p", "div", "tr", "h1", "h2", "h3", "h4", "li", "br", "table", "section", "header", "footer", "caption", "dt", "dd":
				if skip == 0 {
					newline()
				}
			default:
				if skip == 0 && tt != html.EndTagToken {
					s := b.String()
					if s != "" && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\n") {
						b.WriteString(" ")
					}
				}
			}
		}
	}
}

// tidyLines trims each line and drops runs of empty ones.
func tidyLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " |") // the separator after a row's last (or empty) cells
		l = strings.TrimSpace(l)
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}
