package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(t *testing.T) Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k, other := key(t), key(t)
	s, err := k.Seal("m.ahmadi@example.ir", "officials.email:42")
	if err != nil {
		t.Fatal(err)
	}
	if !IsSealed(s) || strings.Contains(s, "ahmadi") {
		t.Fatalf("sealed %q", s)
	}
	if again, _ := k.Seal("m.ahmadi@example.ir", "officials.email:42"); again == s {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	if got, err := k.Open(s, "officials.email:42"); err != nil || got != "m.ahmadi@example.ir" {
		t.Fatalf("open: %q %v", got, err)
	}
	cases := map[string]func() (string, error){
		"another row":  func() (string, error) { return k.Open(s, "officials.email:43") },
		"another key":  func() (string, error) { return other.Open(s, "officials.email:42") },
		"flipped byte": func() (string, error) { return k.Open(s[:len(s)-2]+"AA", "officials.email:42") },
		"cut short":    func() (string, error) { return k.Open(s[:10], "officials.email:42") },
		"plain text":   func() (string, error) { return k.Open("m.ahmadi@example.ir", "officials.email:42") },
	}
	for name, open := range cases {
		if _, err := open(); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: %v, want ErrTampered", name, err)
		}
	}
	if s, _ := k.Seal("", "x"); s != "" {
		t.Errorf("empty sealed as %q", s)
	}
}

func TestWrapAndIndex(t *testing.T) {
	master, dk := key(t), key(t)
	w, err := master.Wrap(dk, "official:7")
	if err != nil {
		t.Fatal(err)
	}
	got, err := master.Unwrap(w, "official:7")
	if err != nil || got != dk {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := master.Unwrap(w, "official:8"); !errors.Is(err, ErrTampered) {
		t.Errorf("unwrap for another official: %v", err)
	}
	a, b := dk.Index("email", "x@example.ir"), dk.Index("email", "x@example.ir")
	if a != b || len(a) != 64 {
		t.Fatalf("index %q %q", a, b)
	}
	if dk.Index("phone", "x@example.ir") == a || master.Index("email", "x@example.ir") == a {
		t.Error("index does not depend on field and key")
	}
	if master.ID() == dk.ID() || len(master.ID()) != 16 {
		t.Error("key ids")
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "master.key")
	k, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || again != k {
		t.Fatalf("reload: %v %v", created, err)
	}
	if _, err := CreateKeyFile(path); err == nil {
		t.Error("an existing key file was overwritten")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key file: %v", err)
	}
	if _, err := ParseKey("abc"); err == nil {
		t.Error("short key accepted")
	}
}

func TestIndexerMatchesIndex(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	x := k.Indexer()
	for _, c := range [][2]string{{"accounts.handle", "telegram:akhbarefori"}, {"accounts.handle", "x:irna_en"}, {"officials.email", "a@example.ir"}, {"f", ""}} {
		if got, want := x.Index(c[0], c[1]), k.Index(c[0], c[1]); got != want {
			t.Errorf("Indexer.Index(%q, %q) = %q, want %q", c[0], c[1], got, want)
		}
	}
}
