package binpack

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The published benchmark formats `kvmfit solve` reads. The parsers are
// pure: they take the file's bytes and return an Instance whose items are
// named by their 0-based position ("0", "1", ...), zero-padded so that the
// ID order is the file order.

// ParseBPP parses a BPPLIB one-dimensional instance: n, then the capacity c,
// then n weights, one integer per line (Delorme, Iori and Martello 2018).
func ParseBPP(name string, data []byte) (*Instance, error) {
	nums, err := numbers(name, data)
	if err != nil {
		return nil, err
	}
	if len(nums) < 2 {
		return nil, fmt.Errorf("%s: want n and the capacity, got %d numbers", name, len(nums))
	}
	n := int(nums[0])
	if float64(n) != nums[0] || n < 0 || len(nums) != 2+n || !(nums[1] >= 0) {
		return nil, fmt.Errorf("%s: header says %v items, file has %d weights", name, nums[0], len(nums)-2)
	}
	inst := &Instance{Name: name, Capacity: []float64{nums[1]}, DimNames: []string{"size"}}
	for i, w := range nums[2:] {
		inst.Items = append(inst.Items, VecItem{ID: itemID(i, n), Values: [][]float64{{w}}})
	}
	return inst, checkInstance(inst)
}

// ParseVBP parses a VPSolver vector packing instance: d, the d capacities,
// the number m of item types, then per type d sizes and a multiplicity
// (Brandão and Pedroso 2016).
func ParseVBP(name string, data []byte) (*Instance, error) {
	nums, err := numbers(name, data)
	if err != nil {
		return nil, err
	}
	if len(nums) < 1 {
		return nil, fmt.Errorf("%s: empty", name)
	}
	d := int(nums[0])
	if float64(d) != nums[0] || d < 1 || d > 1000 || len(nums) < 2+d {
		return nil, fmt.Errorf("%s: bad dimension count %v", name, nums[0])
	}
	inst := &Instance{Name: name, Capacity: slices.Clone(nums[1 : 1+d])}
	for k := range d {
		inst.DimNames = append(inst.DimNames, fmt.Sprintf("dim%d", k))
	}
	m := int(nums[1+d])
	rest := nums[2+d:]
	if m < 0 || float64(m) != nums[1+d] || len(rest) != m*(d+1) {
		return nil, fmt.Errorf("%s: %d item types need %d numbers, file has %d", name, m, m*(d+1), len(rest))
	}
	total := 0
	for k := range m {
		q := rest[k*(d+1)+d]
		if q < 0 || q != float64(int(q)) || q > 1e7 {
			return nil, fmt.Errorf("%s: item type %d: multiplicity %v", name, k, q)
		}
		total += int(q)
		if total > 1e7 {
			return nil, fmt.Errorf("%s: more than 10^7 items", name)
		}
	}
	for k := range m {
		row := rest[k*(d+1) : (k+1)*(d+1)]
		for range int(row[d]) {
			it := VecItem{ID: itemID(len(inst.Items), total)}
			for x := range d {
				it.Values = append(it.Values, []float64{row[x]})
			}
			inst.Items = append(inst.Items, it)
		}
	}
	return inst, checkInstance(inst)
}

// ParseTBPP parses a temporal bin packing instance (Aydin, Muter and Birbil
// 2020; the tbpp-instances collection): a line "n cap 0 0", then per item
// "index start end size", active on the half-open interval [start, end).
// Time is compressed to the distinct start times — loads only rise at a
// start — so the instance has one dimension with one slot per distinct start.
func ParseTBPP(name string, data []byte) (*Instance, error) {
	nums, err := numbers(name, data)
	if err != nil {
		return nil, err
	}
	if len(nums) < 4 {
		return nil, fmt.Errorf("%s: want the header n cap 0 0", name)
	}
	n := int(nums[0])
	if n < 0 || float64(n) != nums[0] || len(nums) != 4+4*n || !(nums[1] >= 0) {
		return nil, fmt.Errorf("%s: header says %v items, file has %d numbers after it", name, nums[0], len(nums)-4)
	}
	type iv struct{ s, e, w float64 }
	ivs := make([]iv, n)
	var starts []float64
	for i := range n {
		r := nums[4+4*i : 8+4*i]
		if r[2] < r[1] || r[3] < 0 {
			return nil, fmt.Errorf("%s: item %d: bad interval [%v, %v) or size %v", name, i, r[1], r[2], r[3])
		}
		ivs[i] = iv{r[1], r[2], r[3]}
		starts = append(starts, r[1])
	}
	slices.Sort(starts)
	starts = slices.Compact(starts)
	inst := &Instance{Name: name, Capacity: []float64{nums[1]}, DimNames: []string{"size"}}
	for i, x := range ivs {
		row := make([]float64, len(starts))
		for t, s := range starts {
			if x.s <= s && s < x.e {
				row[t] = x.w
			}
		}
		inst.Items = append(inst.Items, VecItem{ID: itemID(i, n), Values: [][]float64{row}})
	}
	return inst, checkInstance(inst)
}

func itemID(i, n int) string {
	w := len(strconv.Itoa(max(n-1, 0)))
	return fmt.Sprintf("%0*d", w, i)
}

// numbers returns the numbers of the file name's data, separated by white
// space; an error names the file and the line.
func numbers(name string, data []byte) ([]float64, error) {
	var out []float64
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		for _, f := range strings.Fields(sc.Text()) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: %q is not a number", name, line, f)
			}
			out = append(out, v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func checkInstance(inst *Instance) error {
	for d, c := range inst.Capacity {
		if !(c >= 0) {
			return fmt.Errorf("%s: capacity %v of dimension %d", inst.Name, c, d)
		}
	}
	for i, it := range inst.Items {
		for d, row := range it.Values {
			for _, v := range row {
				if !(v >= 0) {
					return fmt.Errorf("%s: item %d: negative or invalid size %v in dimension %d", inst.Name, i, v, d)
				}
			}
		}
	}
	return nil
}
