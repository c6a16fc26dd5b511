package chartscan

// Role is what an API token may do. Roles are ordered: an admin may do
// everything a technician may, a technician everything a scanner may.
type Role string

// The roles.
const (
	RoleScanner    Role = "scanner"    // uploads scans and follows their batches
	RoleTechnician Role = "technician" // searches, reads and corrects records
	RoleAdmin      Role = "admin"      // also reads the audit log
)

var roleRank = map[Role]int{RoleScanner: 1, RoleTechnician: 2, RoleAdmin: 3}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// Allows reports whether a token with role r may do what needs role min.
func (r Role) Allows(min Role) bool { return r.Valid() && roleRank[r] >= roleRank[min] }

// ParseRole returns s as a Role, or an EINVALID error.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", Errorf(EINVALID, "unknown role %q (want scanner, technician or admin)", s)
}
