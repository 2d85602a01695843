package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCLI(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	agencies := file("agencies.csv", "code,name,kind\r\nMOH,وزارت بهداشت,ministry\r\n")
	accounts := file("accounts.csv", "url,capacity,agency_code\r\n"+
		"https://t.me/moh_news,institutional,MOH\r\n"+
		"https://t.me/other,boss,MOH\r\n"+
		"https://t.me/third,institutional,NOPE\r\n")
	picture := file("list.xlsx", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	if _, _, err := run(t, "", "migrate", "--data", dir); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		code    int
		wantOut []string
		wantErr string
	}{
		{"agencies", []string{"--kind", "agencies", agencies}, 0, []string{"1 rows: 1 new, 0 changed, 0 unchanged, 0 with errors."}, ""},
		{"dry run with bad rows", []string{"--kind", "accounts", "--dry-run", accounts}, 1, []string{
			"row 3, column capacity: “boss” is not allowed here. Allowed: institutional, office, personal.\n",
			"row 4, column agency_code: There is no agency with code “NOPE”.\n",
			"3 rows: 1 new, 0 changed, 0 unchanged, 2 with errors.\n"}, "2 rows have errors"},
		{"in Persian", []string{"--kind", "accounts", "--dry-run", "--lang", "fa", accounts}, 1, []string{
			"سطر ۳، ستون capacity: «boss» در این ستون پذیرفته نیست.", "۳ سطر: ۱ تازه"}, "۲ سطر خطا دارد"},
		{"apply refused", []string{"--kind", "accounts", accounts}, 1, []string{"2 with errors"}, "Nothing was written"},
		{"good rows only", []string{"--kind", "accounts", "--good-only", accounts}, 0, []string{"3 rows: 1 new, 0 changed, 0 unchanged, 2 with errors."}, ""},
		{"again", []string{"--kind", "accounts", "--good-only", accounts}, 0, []string{"0 new, 0 changed, 1 unchanged"}, ""},
		{"not a spreadsheet", []string{"--kind", "accounts", picture}, 2, nil, "This is not a spreadsheet"},
		{"no such file", []string{"--kind", "accounts", filepath.Join(dir, "nope.csv")}, 2, nil, "no such file"},
		{"unknown kind", []string{"--kind", "users", accounts}, 2, nil, `--kind "users"`},
		{"unknown encoding", []string{"--kind", "accounts", "--encoding", "latin1", accounts}, 2, nil, "--encoding"},
		{"unknown flag", []string{"--kind", "accounts", "--nope", accounts}, 2, nil, "unknown flag"},
		{"no file", []string{"--kind", "accounts"}, 2, nil, "one file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := run(t, "", append([]string{"import", "--data", dir}, tc.args...)...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %v\n%s", code, tc.code, err, out)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
		})
	}
}
