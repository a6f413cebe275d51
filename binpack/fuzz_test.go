package binpack

import "testing"

// FuzzParseFormats checks that the benchmark parsers never panic and that
// what they accept can be solved.
func FuzzParseFormats(f *testing.F) {
	f.Add([]byte("3\n10\n4\n6\n5\n"))
	f.Add([]byte("2\n10 20\n2\n1 2 1\n3 4 2\n"))
	f.Add([]byte("2\t10\t0\t0\n0\t0\t5\t4\n1\t3\t8\t5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func(string, []byte) (*Instance, error){ParseBPP, ParseVBP, ParseTBPP} {
			inst, err := parse("f", data)
			if err != nil || len(inst.Items) > 200 {
				continue
			}
			big := false
			for _, it := range inst.Items {
				for _, r := range it.Values {
					big = big || len(r) > 200
				}
			}
			if big {
				continue
			}
			sol := Solve(inst, SolveOptions{Work: 1000})
			checkSolution(t, "fuzz", inst, sol)
		}
	})
}
