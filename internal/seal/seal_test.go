package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/egov/egov/internal/seal"
)

func TestSealOpen(t *testing.T) {
	key := seal.DeriveKey([]byte("a platform secret"), "test v1")
	s, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("row-1", []byte("private key"))
	if a, b := s.Seal("row-1", []byte("private key")), sealed; a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if plain, err := s.Open("row-1", sealed); err != nil || !bytes.Equal(plain, []byte("private key")) {
		t.Fatalf("open: %q %v", plain, err)
	}
	if _, err := s.Open("row-2", sealed); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("another row's label: %v", err)
	}
	other, _ := seal.New(seal.DeriveKey([]byte("a platform secret"), "test v2"))
	if _, err := other.Open("row-1", sealed); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("another purpose's key: %v", err)
	}
	for _, bad := range []string{"", "not base64!", "AAAA"} {
		if _, err := s.Open("row-1", bad); !errors.Is(err, seal.ErrMalformed) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := seal.New([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := seal.New(seal.DeriveKey([]byte("secret"), "fuzz"))
	f.Add("label", s.Seal("label", []byte("x")))
	f.Add("", "")
	f.Fuzz(func(t *testing.T, label, sealed string) {
		s.Open(label, sealed) // any input gives a value or an error
	})
}
