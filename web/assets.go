package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under content-hashed URLs, so
// browsers cache them for a year and never see a stale one.
type assets struct {
	files  map[string][]byte // name -> content
	hashes map[string]string // name -> short hash
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hashes: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		a.files[name], a.hashes[name] = b, hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// URL is the cache-busting address of a static file.
func (a *assets) URL(name string) string {
	return "/static/" + a.hashes[name] + "/" + name
}

func (a *assets) serve(c echo.Context) error {
	name := c.Param("*")
	b, ok := a.files[name]
	if !ok || c.Param("hash") != a.hashes[name] {
		// An old hash still gets the file, uncached, so a page cached
		// across a deploy keeps its styles.
		if !ok {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	return c.Blob(http.StatusOK, ct, b)
}
