package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// A streaming decoder of the Prometheus HTTP API's responses. A range
// query over a large fleet answers megabytes of
// [1767225900,"12.5"] pairs; decoding them into the client's Matrix
// (a string and a float per point, a label map per series) was about 40 %
// of the import's CPU. This decoder walks the body once and hands each
// series' instance label and points to the caller, allocating nothing per
// point.

// promPoint is one point of a series: its time in milliseconds since the
// epoch and its value.
type promPoint struct {
	ms int64
	v  float64
}

// promResponse is the envelope of an API response.
type promResponse struct {
	Status, ErrorType, Error, ResultType string
	Warnings                             []string
}

// promDecoder decodes API responses; its point buffer is reused from one
// series to the next (one decoder per goroutine).
type promDecoder struct {
	b   []byte
	i   int
	pts []promPoint
	// body and export are the memory of the export path, reused.
	body   bytes.Buffer
	export promExportScratch
}

// promMaxDepth bounds the nesting of the values the decoder skips.
const promMaxDepth = 64

// errPromSyntax is the error of a body that is not the JSON expected.
var errPromSyntax = errors.New("invalid JSON")

func (d *promDecoder) fail(what string) error {
	if d.i >= len(d.b) {
		return fmt.Errorf("%w: unexpected end at byte %d (%s)", errPromSyntax, d.i, what)
	}
	return fmt.Errorf("%w at byte %d: %s", errPromSyntax, d.i, what)
}

// decode decodes body. Each series of the result is handed to series
// with the value of its label (the whole label set is not kept) and its
// points (a "values" array; a vector's "value" counts as one point); both
// are valid only during the call, and series is called in the order of the
// body. The caller checks ResultType.
func (d *promDecoder) decode(body []byte, label string, series func(labelValue []byte, pts []promPoint)) (promResponse, error) {
	d.b, d.i = body, 0
	var r promResponse
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "status":
			return d.stringInto(&r.Status)
		case "errorType":
			return d.stringInto(&r.ErrorType)
		case "error":
			return d.stringInto(&r.Error)
		case "warnings":
			return d.array(func() error {
				var w string
				if err := d.stringInto(&w); err != nil {
					return err
				}
				r.Warnings = append(r.Warnings, w)
				return nil
			})
		case "data":
			if d.null() {
				return nil
			}
			return d.object(func(key []byte) error {
				switch string(key) {
				case "resultType":
					return d.stringInto(&r.ResultType)
				case "result":
					if d.null() {
						return nil
					}
					return d.array(func() error { return d.series(label, series) })
				}
				return d.skip()
			})
		}
		return d.skip()
	})
	if err == nil {
		d.ws()
		if d.i != len(d.b) {
			err = d.fail("data after the response")
		}
	}
	d.b = nil
	return r, err
}

// series decodes one element of a result.
func (d *promDecoder) series(label string, fn func([]byte, []promPoint)) error {
	var lv []byte
	d.pts = d.pts[:0]
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "metric":
			return d.object(func(name []byte) error {
				if string(name) != label {
					return d.skip()
				}
				s, err := d.str()
				lv = s
				return err
			})
		case "values":
			if d.null() {
				return nil
			}
			return d.points()
		case "value":
			return d.point()
		}
		return d.skip()
	})
	if err != nil {
		return err
	}
	fn(lv, d.pts)
	return nil
}

// points decodes an array of points onto d.pts.
func (d *promDecoder) points() error {
	d.ws()
	if !d.eat('[') {
		return d.fail("want an array of points")
	}
	d.ws()
	if d.eat(']') {
		return nil
	}
	for {
		if err := d.point(); err != nil {
			return err
		}
		d.ws()
		if d.eat(']') {
			return nil
		}
		if !d.eat(',') {
			return d.fail("want ',' or ']' in an array")
		}
	}
}

// point decodes one [time, "value"] pair onto d.pts.
func (d *promDecoder) point() error {
	d.ws()
	if !d.eat('[') {
		return d.fail("a point is not [time, value]")
	}
	d.ws()
	ms, err := d.timestamp()
	if err != nil {
		return err
	}
	d.ws()
	if !d.eat(',') {
		return d.fail("a point is not [time, value]")
	}
	s, err := d.str()
	if err != nil {
		return err
	}
	v, err := parsePromValue(s)
	if err != nil {
		return d.fail(fmt.Sprintf("value %q: not a number", s))
	}
	d.ws()
	if !d.eat(']') {
		return d.fail("a point is not [time, value]")
	}
	d.pts = append(d.pts, promPoint{ms, v})
	return nil
}

// timestamp decodes a JSON number of seconds since the epoch into
// milliseconds (the API writes at most three decimals).
func (d *promDecoder) timestamp() (int64, error) {
	start := d.i
	// The usual form, digits with at most three decimals, in one pass.
	var n int64
	var digits, frac int
	var dot bool
	d.i, n, digits, frac, dot = scanDecimal(d.b, d.i)
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E' || d.b[d.i] == '-' || d.b[d.i] == '+') || digits == 0 || digits > 15 || frac > 3 || (dot && frac == 0) {
		return d.slowTimestamp(start)
	}
	for ; frac < 3; frac++ {
		n *= 10
	}
	return n, nil
}

// slowTimestamp decodes any JSON number of seconds from start.
func (d *promDecoder) slowTimestamp(start int) (int64, error) {
	d.i = start
	for d.i < len(d.b) {
		c := d.b[d.i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			break
		}
		d.i++
	}
	tok := d.b[start:d.i]
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e14 || !json.Valid(tok) {
		d.i = start
		return 0, d.fail(fmt.Sprintf("time %q: not a number of seconds", tok))
	}
	return int64(math.Round(f * 1000)), nil
}

// scanDecimal reads the digits and at most one '.' of b from i: the index
// after them, the integer of the digits (meaningful up to 18 of them),
// how many digits, how many after the point, and whether there was one.
func scanDecimal(b []byte, i int) (end int, n int64, digits, frac int, dot bool) {
	for ; i < len(b); i++ {
		c := b[i]
		if c >= '0' && c <= '9' {
			n = n*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	return i, n, digits, frac, dot
}

// promPow10 are the powers of ten exact in a float64.
var promPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parsePromValue parses a sample value, a decimal, NaN, +Inf or -Inf, to
// the float64 strconv.ParseFloat gives. Decimals of at most 15
// significant digits and 15 decimals take the exact path ParseFloat
// takes for them too: the integer of the digits and the power of ten
// are exact in a float64, and one division rounds correctly.
func parsePromValue(s []byte) (float64, error) {
	if len(s) > 0 && len(s) <= 17 {
		i := 0
		neg := s[0] == '-'
		if neg {
			i = 1
		}
		j, n, digits, frac, dot := scanDecimal(s, i)
		if j == len(s) && digits > 0 && digits <= 15 && !(dot && frac == 0) && !(dot && j == i+1) {
			f := float64(n)
			if frac > 0 {
				f /= promPow10[frac]
			}
			if neg {
				f = -f
			}
			return f, nil
		}
	}
	// A conversion of a short slice to a string that does not escape
	// allocates nothing.
	return strconv.ParseFloat(string(s), 64)
}

// object decodes an object, calling fn with each key (valid during the
// call) with the decoder at its value, which fn must consume.
func (d *promDecoder) object(fn func(key []byte) error) error {
	d.ws()
	if !d.eat('{') {
		return d.fail("want an object")
	}
	d.ws()
	if d.eat('}') {
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if !d.eat(':') {
			return d.fail("want ':' after a key")
		}
		if err := fn(key); err != nil {
			return err
		}
		d.ws()
		if d.eat('}') {
			return nil
		}
		if !d.eat(',') {
			return d.fail("want ',' or '}' in an object")
		}
		d.ws()
	}
}

// array decodes an array, calling fn at each element, which fn must
// consume.
func (d *promDecoder) array(fn func() error) error {
	d.ws()
	if !d.eat('[') {
		return d.fail("want an array")
	}
	d.ws()
	if d.eat(']') {
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		d.ws()
		if d.eat(']') {
			return nil
		}
		if !d.eat(',') {
			return d.fail("want ',' or ']' in an array")
		}
	}
}

// str decodes a string. Without escapes it is a slice of the body;
// with them, a new slice.
func (d *promDecoder) str() ([]byte, error) {
	d.ws()
	if !d.eat('"') {
		return nil, d.fail("want a string")
	}
	start := d.i
	esc := false
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !esc {
				return s, nil
			}
			var out string
			if err := json.Unmarshal(d.b[start-1:d.i], &out); err != nil {
				d.i = start - 1
				return nil, d.fail("bad string escape")
			}
			return []byte(out), nil
		case c == '\\':
			esc = true
			d.i += 2
		case c < 0x20:
			return nil, d.fail("control character in a string")
		default:
			d.i++
		}
	}
	return nil, d.fail("unterminated string")
}

// stringInto decodes a string or null into *dst.
func (d *promDecoder) stringInto(dst *string) error {
	if d.null() {
		return nil
	}
	s, err := d.str()
	*dst = string(s)
	return err
}

// null consumes a null, reporting whether there was one.
func (d *promDecoder) null() bool {
	d.ws()
	if len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// skip consumes any value.
func (d *promDecoder) skip() error { return d.skipDepth(0) }

func (d *promDecoder) skipDepth(depth int) error {
	if depth > promMaxDepth {
		return d.fail("nested too deep")
	}
	d.ws()
	if d.i >= len(d.b) {
		return d.fail("unexpected end")
	}
	switch d.b[d.i] {
	case '{':
		return d.object(func([]byte) error { return d.skipDepth(depth + 1) })
	case '[':
		return d.array(func() error { return d.skipDepth(depth + 1) })
	case '"':
		_, err := d.str()
		return err
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && c != 'E' {
			break
		}
		d.i++
	}
	if !json.Valid(d.b[start:d.i]) {
		d.i = start
		return d.fail("want a value")
	}
	return nil
}

func (d *promDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *promDecoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// exportLines decodes the JSON lines of VictoriaMetrics' /api/v1/export:
// {"metric":{...},"values":[...],"timestamps":[...]} per line, values
// JSON numbers, timestamps integer milliseconds. Each line is handed to
// line with the value of its label, the raw bytes of its metric object
// (the series' identity) and its points, all valid only during the call.
func (d *promDecoder) exportLines(body []byte, label string, line func(labelValue, metric []byte, pts []promPoint)) error {
	d.b, d.i = body, 0
	defer func() { d.b = nil }()
	var ts []int64
	var vs []float64
	for {
		d.ws()
		if d.i >= len(d.b) {
			return nil
		}
		var lv, metric []byte
		ts, vs = ts[:0], vs[:0]
		err := d.object(func(key []byte) error {
			switch string(key) {
			case "metric":
				d.ws()
				start := d.i
				err := d.object(func(name []byte) error {
					if string(name) != label {
						return d.skip()
					}
					s, err := d.str()
					lv = s
					return err
				})
				metric = d.b[start:d.i]
				return err
			case "values":
				var err error
				vs, err = d.exportValues(vs)
				return err
			case "timestamps":
				var err error
				ts, err = d.exportTimestamps(ts)
				return err
			}
			return d.skip()
		})
		if err != nil {
			return err
		}
		if len(ts) != len(vs) {
			return d.fail(fmt.Sprintf("a line has %d values and %d timestamps", len(vs), len(ts)))
		}
		d.pts = d.pts[:0]
		for i := range ts {
			d.pts = append(d.pts, promPoint{ts[i], vs[i]})
		}
		line(lv, metric, d.pts)
	}
}

// exportValues decodes an array of JSON numbers (NaN and Inf written
// bare, as VictoriaMetrics does) onto vs.
func (d *promDecoder) exportValues(vs []float64) ([]float64, error) {
	d.ws()
	if !d.eat('[') {
		return vs, d.fail("want an array")
	}
	d.ws()
	if d.eat(']') {
		return vs, nil
	}
	for {
		d.ws()
		start := d.i
		for d.i < len(d.b) && d.b[d.i] != ',' && d.b[d.i] != ']' && d.b[d.i] > ' ' {
			d.i++
		}
		v, err := parsePromValue(d.b[start:d.i])
		if err != nil || d.i == start {
			d.i = start
			return vs, d.fail("want a number")
		}
		vs = append(vs, v)
		d.ws()
		if d.eat(']') {
			return vs, nil
		}
		if !d.eat(',') {
			return vs, d.fail("want ',' or ']' in an array")
		}
	}
}

// exportTimestamps decodes an array of integer milliseconds onto ts.
func (d *promDecoder) exportTimestamps(ts []int64) ([]int64, error) {
	d.ws()
	if !d.eat('[') {
		return ts, d.fail("want an array")
	}
	d.ws()
	if d.eat(']') {
		return ts, nil
	}
	b := d.b
	for {
		for d.i < len(b) && (b[d.i] == ' ' || b[d.i] == '\n' || b[d.i] == '\t' || b[d.i] == '\r') {
			d.i++
		}
		start := d.i
		neg := d.i < len(b) && b[d.i] == '-'
		if neg {
			d.i++
		}
		var n int64
		digits := 0
		for d.i < len(b) {
			c := b[d.i] - '0'
			if c > 9 {
				break
			}
			n = n*10 + int64(c)
			d.i++
			digits++
		}
		if digits == 0 || digits > 18 {
			d.i = start
			return ts, d.fail("want a timestamp in milliseconds")
		}
		if neg {
			n = -n
		}
		ts = append(ts, n)
		for d.i < len(b) && (b[d.i] == ' ' || b[d.i] == '\n' || b[d.i] == '\t' || b[d.i] == '\r') {
			d.i++
		}
		if d.i < len(b) && b[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(b) && b[d.i] == ']' {
			d.i++
			return ts, nil
		}
		return ts, d.fail("want ',' or ']' in an array")
	}
}
