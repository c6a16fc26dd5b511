package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartscan"
)

func TestTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	s := NewStore(path)
	secret, err := s.Create("station-3", chartscan.RoleScanner)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "cs_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	// Only the hash is stored, readable by the owner only.
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), secret) || strings.Contains(string(b), secret[3:]) {
		t.Fatal("token file holds the secret")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %o", st.Mode().Perm())
	}
	tok, err := s.Authenticate(secret)
	if err != nil || tok.Name != "station-3" || tok.Role != chartscan.RoleScanner {
		t.Fatalf("Authenticate = %+v, %v", tok, err)
	}
	for _, bad := range []string{"", secret + "x", secret[:len(secret)-1], "cs_", strings.ToUpper(secret)} {
		if _, err := s.Authenticate(bad); chartscan.ErrorCode(err) != chartscan.EUNAUTHORIZED {
			t.Errorf("Authenticate(%.8q…) = %v, want unauthorized", bad, err)
		}
	}
	if _, err := s.Create("station-3", chartscan.RoleAdmin); chartscan.ErrorCode(err) != chartscan.ECONFLICT {
		t.Errorf("duplicate name: %v", err)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("x", 65), "../x"} {
		if _, err := s.Create(bad, chartscan.RoleAdmin); chartscan.ErrorCode(err) != chartscan.EINVALID {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := s.Create("x", "root"); chartscan.ErrorCode(err) != chartscan.EINVALID {
		t.Errorf("bad role: %v", err)
	}

	// Another process (another Store on the same file) sees changes.
	other := NewStore(path)
	secret2, err := other.Create("jdoe", chartscan.RoleTechnician)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Authenticate(secret2); err != nil || tok.Name != "jdoe" {
		t.Fatalf("new token not seen: %v", err)
	}
	if err := other.Revoke("station-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err == nil {
		t.Fatal("revoked token still accepted")
	}
	if err := other.Revoke("station-3"); chartscan.ErrorCode(err) != chartscan.ENOTFOUND {
		t.Errorf("revoke twice: %v", err)
	}
}

func TestRoles(t *testing.T) {
	for _, c := range []struct {
		have, need chartscan.Role
		ok         bool
	}{
		{chartscan.RoleAdmin, chartscan.RoleTechnician, true},
		{chartscan.RoleAdmin, chartscan.RoleScanner, true},
		{chartscan.RoleTechnician, chartscan.RoleScanner, true},
		{chartscan.RoleTechnician, chartscan.RoleAdmin, false},
		{chartscan.RoleScanner, chartscan.RoleTechnician, false},
		{"", chartscan.RoleScanner, false},
	} {
		if got := c.have.Allows(c.need); got != c.ok {
			t.Errorf("%q allows %q = %v", c.have, c.need, got)
		}
	}
}
