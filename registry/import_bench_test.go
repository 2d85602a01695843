package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"hozur/registry"
	"hozur/registry/demo"
	"hozur/registry/sheet"
)

// BenchmarkImportAccounts imports a file of 100,000 new accounts
// (institutional ones by agency code, a fifth office ones and a tenth
// personal ones, sealed, by the holder's employee code) into a registry of
// some thousands of agencies and officials: reading the CSV, checking
// every row, and writing them with their audit events in one transaction.
// The goal is under 3 s per file.
//
//	go test ./registry/ -run '^$' -bench ImportAccounts -benchtime 3x
func BenchmarkImportAccounts(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	dir := b.TempDir()
	var data []byte
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := registry.Open(registry.Options{Path: filepath.Join(dir, fmt.Sprintf("bench%d.db", i))})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := demo.Generate(ctx, s, demo.Options{Accounts: 20_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		if data == nil {
			data = benchFile(b, s, rows)
		}
		b.StartTimer()
		tab, err := sheet.Read(bytes.NewReader(data), "accounts.csv", sheet.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.Import(ctx, registry.System, tab, registry.ImportOptions{Kind: registry.ExchangeAccounts})
		if err != nil {
			b.Fatalf("%v: %+v", err, res.Issues[:min(5, len(res.Issues))])
		}
		if res.Created != rows {
			b.Fatalf("created %d of %d", res.Created, rows)
		}
		b.StopTimer()
		_ = s.Close()
	}
	b.ReportMetric(float64(rows), "rows/op")
}

// benchFile writes the CSV: agency codes and employee codes come from the
// generated registry.
func benchFile(b *testing.B, s *registry.Store, rows int) []byte {
	var agencies, codes []string
	if err := s.Read(context.Background()).Raw("SELECT code FROM agencies ORDER BY id").Scan(&agencies).Error; err != nil {
		b.Fatal(err)
	}
	type emp struct{ Agency, Code string }
	var emps []emp
	// Employee codes are sealed: the store opens them.
	var agencyCodes []struct {
		ID   int64
		Code string
	}
	if err := s.Read(context.Background()).Raw("SELECT id, code FROM agencies").Scan(&agencyCodes).Error; err != nil {
		b.Fatal(err)
	}
	codeOf := map[int64]string{}
	for _, a := range agencyCodes {
		codeOf[a.ID] = a.Code
	}
	for cursor := ""; len(emps) < 5000; {
		page, err := s.Officials(context.Background(), registry.System, registry.OfficialFilter{}, registry.Page{PerPage: 200, Sort: "id", Cursor: cursor})
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range page.Items {
			if o.EmployeeCode != "" {
				emps = append(emps, emp{Agency: codeOf[o.AgencyID], Code: o.EmployeeCode})
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if len(agencies) == 0 || len(emps) == 0 {
		b.Fatalf("%d agencies, %d officials", len(agencies), len(emps))
	}
	_ = codes
	var buf bytes.Buffer
	w, err := sheet.NewCSV(&buf)
	if err != nil {
		b.Fatal(err)
	}
	platforms := []string{"telegram", "instagram", "x", "eitaa", "bale"}
	_ = w.Write([]string{"platform", "handle", "capacity", "agency_code", "official_employee_code", "status", "opened_on"})
	for i := 0; i < rows; i++ {
		p := platforms[i%len(platforms)]
		h := fmt.Sprintf("ib%07d", i)
		if i%5 == 0 || i%10 == 1 {
			e := emps[i%len(emps)]
			capacity := "office"
			if i%10 == 1 {
				capacity = "personal"
			}
			_ = w.Write([]string{p, h, capacity, e.Agency, e.Code, "active", "1402/01/21"})
			continue
		}
		_ = w.Write([]string{p, h, "institutional", agencies[i%len(agencies)], "", "active", "2023-04-10"})
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
