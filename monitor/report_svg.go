package monitor

import (
	"fmt"
	"html"
	"strings"
)

// Charts drawn on the server as inline SVG: no JavaScript, no external
// file, and no style attributes (only presentation attributes such as
// fill=), so they pass a strict Content-Security-Policy and e-mail clients
// that render SVG. Every chart has a title and a text alternative; the
// reports also give the same figures in a table.

// LineChart is a line over evenly spaced points, values 0 to 1 (a rate);
// a nil value is a gap that breaks the line.
type LineChart struct {
	Title  string
	Labels []string   // one per point, under the axis
	Values []*float64 // 0..1
	// Format writes a value at a point (e.g. "85.3%"), Axis on the axis
	// (e.g. "75%").
	Format func(v float64) string
	Axis   func(v float64) string
	Width  int
	Height int
	Colour string
}

// BarChart is horizontal bars, one per row, values from 0 to Max.
type BarChart struct {
	Title  string
	Labels []string
	Values []float64
	Texts  []string // the value written at the bar's end
	Max    float64
	Width  int
	RTL    bool // labels at the right, bars growing leftwards
	Colour string
}

// svgText escapes text for an SVG element or attribute.
func svgText(s string) string { return html.EscapeString(s) }

// LineChartSVG draws the chart.
func LineChartSVG(c LineChart) string {
	w, h := c.Width, c.Height
	if w <= 0 {
		w = 640
	}
	if h <= 0 {
		h = 220
	}
	if c.Colour == "" {
		c.Colour = "#1d4f91"
	}
	if c.Format == nil {
		c.Format = func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }
	}
	if c.Axis == nil {
		c.Axis = c.Format
	}
	const left, right, top, bottom = 52, 30, 14, 34
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	n := len(c.Values)
	x := func(i int) float64 {
		if n <= 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(n-1)
	}
	y := func(v float64) float64 { return float64(top) + ph*(1-min(max(v, 0), 1)) }
	var b strings.Builder
	var alt []string
	for i, v := range c.Values {
		if v != nil && i < len(c.Labels) {
			alt = append(alt, c.Labels[i]+": "+c.Format(*v))
		}
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" direction="ltr" font-family="Tahoma, Arial, sans-serif" font-size="11" aria-label="%s">`,
		w, h, w, h, svgText(c.Title+" — "+strings.Join(alt, "، ")))
	fmt.Fprintf(&b, `<title>%s</title>`, svgText(c.Title))
	for _, g := range []float64{0, 0.25, 0.5, 0.75, 1} {
		gy := y(g)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#d8dadc" stroke-width="1"/>`, left, gy, w-right, gy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#505a5f">%s</text>`, left-6, gy+4, svgText(c.Axis(g)))
	}
	step := 1
	if n > 8 {
		step = 2
	}
	for i := range n {
		if i < len(c.Labels) && (i%step == (n-1)%step) {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#505a5f">%s</text>`, x(i), h-bottom+18, svgText(c.Labels[i]))
		}
	}
	// The line, broken at gaps.
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"/>`, strings.Join(seg, " "), c.Colour)
		}
		seg = seg[:0]
	}
	for i, v := range c.Values {
		if v == nil {
			flush()
			continue
		}
		seg = append(seg, fmt.Sprintf("%.1f,%.1f", x(i), y(*v)))
	}
	flush()
	for i, v := range c.Values {
		if v == nil {
			continue
		}
		label := ""
		if i < len(c.Labels) {
			label = c.Labels[i] + ": "
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="#ffffff" stroke-width="1.5"><title>%s</title></circle>`,
			x(i), y(*v), c.Colour, svgText(label+c.Format(*v)))
		if i == n-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-weight="bold" fill="%s">%s</text>`, x(i)-6, y(*v)-8, c.Colour, svgText(c.Format(*v)))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// BarChartSVG draws the chart.
func BarChartSVG(c BarChart) string {
	w := c.Width
	if w <= 0 {
		w = 640
	}
	if c.Colour == "" {
		c.Colour = "#1d4f91"
	}
	if c.Max <= 0 {
		c.Max = 1
		for _, v := range c.Values {
			c.Max = max(c.Max, v)
		}
	}
	const rowH, barH, labelW, textW, top = 24, 16, 220, 64, 4
	h := top*2 + rowH*len(c.Values)
	bw := float64(w - labelW - textW - 12)
	var b strings.Builder
	var alt []string
	for i := range c.Values {
		if i < len(c.Labels) && i < len(c.Texts) {
			alt = append(alt, c.Labels[i]+": "+c.Texts[i])
		}
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" direction="ltr" font-family="Tahoma, Arial, sans-serif" font-size="12" aria-label="%s">`,
		w, h, w, h, svgText(c.Title+" — "+strings.Join(alt, "، ")))
	fmt.Fprintf(&b, `<title>%s</title>`, svgText(c.Title))
	// mirror places a box of width bw0 starting at x0 (left to right) on
	// the reader's side.
	mirror := func(x0, bw0 float64) float64 {
		if c.RTL {
			return float64(w) - x0 - bw0
		}
		return x0
	}
	// Text starts at the reader's side: in right-to-left, its right edge
	// is at x ("end" in the SVG's own left-to-right direction).
	startAnchor := "start"
	if c.RTL {
		startAnchor = "end"
	}
	for i, v := range c.Values {
		yy := float64(top + rowH*i)
		label := ""
		if i < len(c.Labels) {
			label = c.Labels[i]
			if r := []rune(label); len(r) > 34 {
				label = string(r[:33]) + "…"
			}
		}
		lx := 0.0
		if c.RTL {
			lx = float64(w)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="#0b0c0c">%s</text>`, lx, yy+barH-3, startAnchor, svgText(label))
		length := bw * min(max(v, 0), c.Max) / c.Max
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#e8e8e8"/>`, mirror(labelW, bw), yy, bw, barH)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"/>`, mirror(labelW, length), yy, length, barH, c.Colour)
		if i < len(c.Texts) {
			tx := float64(labelW) + bw + 6
			if c.RTL {
				tx = float64(w) - tx
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="#0b0c0c">%s</text>`, tx, yy+barH-3, startAnchor, svgText(c.Texts[i]))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
