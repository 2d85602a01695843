package monitor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// PDF is the stored HTML printed by a headless Chromium: no Go PDF library
// shapes Persian text, and printing the very document people read keeps
// the two the same.

// ErrNoChromium says PDF reports are off: no Chromium is configured or
// installed.
var ErrNoChromium = errors.New("report pdf: no chromium configured (monitor.chromium_path)")

// defaultChromium is where Debian installs Chromium.
const defaultChromium = "/usr/bin/chromium"

// ChromiumPath is the browser that prints PDFs: the configured one, else
// /usr/bin/chromium if it exists, else "" (PDF is off).
func ChromiumPath(configured string) string {
	if configured != "" {
		return configured
	}
	if p, err := exec.LookPath(defaultChromium); err == nil {
		return p
	}
	return ""
}

// ReportPDF prints an HTML document to an A4 PDF with the Chromium at
// chromium. The document must be standalone (as a stored report is): the
// browser runs with networking off and loads nothing.
func ReportPDF(ctx context.Context, html []byte, chromium string) ([]byte, error) {
	if chromium == "" {
		return nil, ErrNoChromium
	}
	if _, err := os.Stat(chromium); err != nil {
		return nil, fmt.Errorf("report pdf: chromium: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // servers and CI often run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	err := chromedp.Do(bctx,
		chromedp.Navigate("about:blank"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
			if err != nil {
				return err
			}
			_, err = chromedp.Call(ctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: string(html)})
			return err
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFMargin(0.4), chromedp.PDFPrintBackground()))
	if err != nil {
		return nil, fmt.Errorf("report pdf: %w", err)
	}
	return pdf, nil
}
