package registry

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"hozur/registry/sheet"
	"hozur/registry/storetest"
)

// FuzzImport runs arbitrary sheets through a dry run of each kind: no
// panic, and every problem is an issue with a row and a message key, or a
// sheet error, never anything else.
func FuzzImport(f *testing.F) {
	dbPath := filepath.Join(f.TempDir(), "fuzz.db")
	s, err := Open(Options{Driver: storetest.Driver(), DSN: storetest.DSN(f, dbPath), Path: dbPath})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctxb()); err != nil {
		f.Fatal(err)
	}
	if _, err := s.CreateAgency(ctxb(), System, AgencyInput{Code: "MOH", Name: "وزارت بهداشت", Kind: KindMinistry}); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("platform,handle,capacity,agency_code\ntelegram,moh_news,institutional,MOH\n"), uint8(2))
	f.Add([]byte("نام;کد سازمان;سمت;رده\nمریم;MOH;معاون;۲\n"), uint8(1))
	f.Add([]byte("code,name,kind,parent_code\nA,الف,ministry,B\nB,ب,ministry,A\n"), uint8(0))
	f.Add([]byte("url,capacity,opened_on\nhttps://t.me/x,office,1402/12/30\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := ImportKinds[int(k)%len(ImportKinds)]
		tab, err := sheet.Read(bytes.NewReader(data), "f.csv", sheet.Options{MaxRows: 200})
		if err != nil {
			var se *sheet.Error
			if !errors.As(err, &se) {
				t.Fatalf("read: %v", err)
			}
			return
		}
		res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: kind, DryRun: true})
		if err != nil {
			t.Fatalf("dry run: %v", err)
		}
		if res.Created+res.Updated+res.Unchanged+res.Bad > res.Rows {
			t.Fatalf("counts exceed rows: %+v", res)
		}
		for _, is := range res.Issues {
			if is.Key == "" || is.Line < 1 {
				t.Fatalf("issue without a message or a row: %+v", is)
			}
		}
	})
}
