package plan

import "testing"

// FuzzParseConstraints checks that no input makes the constraints parser
// panic, and that what it accepts can be checked against a fleet.
func FuzzParseConstraints(f *testing.F) {
	f.Add([]byte("anti_affinity:\n  - name: a\n    servers: [x, y]\npin:\n  x: h1\nmax_vms_per_host: 3\n"))
	f.Add([]byte("affinity: [{name: b, servers: [x, y]}]\nceiling_pct: {cpu: 50}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConstraints(data)
		if err != nil {
			return
		}
		_ = c.Check([]string{"x", "y", "z"})
	})
}
