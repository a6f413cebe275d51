package importer

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	jsoniter "github.com/json-iterator/go"
	pmodel "github.com/prometheus/common/model"
)

// decodeAll decodes body, collecting the series.
func decodeAll(body string) (promResponse, map[string][]promPoint, []string, error) {
	var d promDecoder
	got := map[string][]promPoint{}
	var order []string
	r, err := d.decode([]byte(body), "instance", func(inst []byte, pts []promPoint) {
		order = append(order, string(inst))
		got[string(inst)] = append(got[string(inst)], pts...)
	})
	return r, got, order, err
}

func TestPromDecoderKnownAnswers(t *testing.T) {
	// VictoriaMetrics' shape: whitespace, unknown keys before and after,
	// a stats object, fractional times, NaN and infinities, an escaped
	// label value, resultType after result, a series without instance.
	body := ` { "status" : "success", "isPartial": false,
	  "data": {"result": [
	    {"metric": {"__name__":"x","instance":"web\u00e91:9100","job":"node \"a\""}, "values": [[1767225900,"12"],[1767226200.5,"-0.25"], [1767226500.123,"NaN"],[1767226800,"+Inf"],[1e9,"1e3"]]},
	    {"metric": {}, "values": []},
	    {"metric": {"instance":"b"}, "values": [[1767225900,"3.000000000000001"]], "histograms": [[1, {"count": "1", "buckets": [[0, "1", "2", "3"]]}]]}
	  ], "resultType": "matrix"},
	  "stats": {"seriesFetched": "3", "nested": [1, [2, {"a": null}], true, false, -1.5e-3]},
	  "warnings": ["w1", "w\n2"]
	} `
	r, got, order, err := decodeAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "success" || r.ResultType != "matrix" || len(r.Warnings) != 2 || r.Warnings[1] != "w\n2" {
		t.Errorf("response %+v", r)
	}
	if strings.Join(order, "|") != "webé1:9100||b" {
		t.Errorf("series order %q", order)
	}
	a := got["webé1:9100"]
	want := []promPoint{{1767225900000, 12}, {1767226200500, -0.25}, {1767226500123, math.NaN()}, {1767226800000, math.Inf(1)}, {1e12, 1000}}
	if len(a) != len(want) {
		t.Fatalf("points %v, want %v", a, want)
	}
	for i := range want {
		if a[i].ms != want[i].ms || !(a[i].v == want[i].v || math.IsNaN(a[i].v) && math.IsNaN(want[i].v)) {
			t.Errorf("point %d: %v, want %v", i, a[i], want[i])
		}
	}
	if b := got["b"]; len(b) != 1 || b[0].v != 3.000000000000001 {
		t.Errorf("b: %v", b)
	}

	// An error response.
	r, _, _, err = decodeAll(`{"status":"error","errorType":"bad_data","error":"parse error at char 3","data":null}`)
	if err != nil || r.Status != "error" || r.ErrorType != "bad_data" || r.Error != "parse error at char 3" {
		t.Errorf("error response: %+v, %v", r, err)
	}
	// A vector.
	r, got, _, err = decodeAll(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"},"value":[1.5,"7"]}]}}`)
	if err != nil || r.ResultType != "vector" || len(got["a"]) != 1 || got["a"][0] != (promPoint{1500, 7}) {
		t.Errorf("vector: %+v %v %v", r, got, err)
	}

	for _, bad := range []struct{ body, want string }{
		{``, "want an object"},
		{`<html>502 Bad Gateway</html>`, "at byte 0: want an object"},
		{`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"a"},"values":[[1,"x"]]}]}}`, `value "x": not a number`},
		{`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"a"},"values":[["1","2"]]}]}}`, `time "": not a number`},
		{`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"a"},"values":[[1,"2"]`, "unexpected end"},
		{`{"status":"success"} x`, "data after the response"},
		{`{"status":"succ`, "unterminated string"},
		{`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "nested too deep"},
		{`{"a":tru}`, "want a value"},
		{"{\"status\":\"\x01\"}", "control character"},
		{`{"status":"\q"}`, "bad string escape"},
	} {
		_, _, _, err := decodeAll(bad.body)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%.60q: error %v, want %q", bad.body, err, bad.want)
		}
	}
}

// promBody is a matrix response as Prometheus writes it.
func promBody(insts []string, times []int64, vals []float64) string {
	var b strings.Builder
	b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	for i, inst := range insts {
		if i > 0 {
			b.WriteByte(',')
		}
		q, _ := json.Marshal(inst)
		fmt.Fprintf(&b, `{"metric":{"__name__":"m","instance":%s},"values":[`, q)
		for j, ms := range times {
			if j > 0 {
				b.WriteByte(',')
			}
			v := vals[(i+j)%len(vals)]
			b.WriteString("[" + strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) + `,"` + strconv.FormatFloat(v, 'f', -1, 64) + `"]`)
		}
		b.WriteString("]}")
	}
	b.WriteString("]}}")
	return b.String()
}

// matrixOf is what the client's decoder makes of body.
func matrixOf(t *testing.T, body string) pmodel.Matrix {
	var r struct {
		Data struct {
			Result pmodel.Matrix `json:"result"`
		} `json:"data"`
	}
	if err := jsoniter.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("client decoder: %v\n%s", err, body)
	}
	return r.Data.Result
}

// sameAsClient checks that the decoder gives the client's points.
func sameAsClient(t *testing.T, body string) {
	_, got, _, err := decodeAll(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	for _, ss := range matrixOf(t, body) {
		pts := got[string(ss.Metric["instance"])]
		if len(pts) != len(ss.Values) {
			t.Fatalf("%s: %d points, the client %d", ss.Metric, len(pts), len(ss.Values))
		}
		for i, p := range ss.Values {
			v := float64(p.Value)
			if pts[i].ms != int64(p.Timestamp) || math.Float64bits(pts[i].v) != math.Float64bits(v) && !(math.IsNaN(v) && math.IsNaN(pts[i].v)) {
				t.Fatalf("%s point %d: %v, the client %d %v", ss.Metric, i, pts[i], p.Timestamp, v)
			}
		}
	}
}

func TestPromDecoderSameAsClient(t *testing.T) {
	vals := []float64{0, 1, -1, 12.5, 1e-7, 123456789012345, 1234567890123456789, 0.1 + 0.2, math.MaxFloat64, math.SmallestNonzeroFloat64, 4.999999999999999e9, 99.99999999999999}
	sameAsClient(t, promBody([]string{"a:9100", "b", `c"\d`, "ü"}, []int64{1767225900000, 1767226200000, 1767226200001, 1767226200010, 1767226200999, 1}, vals))
}

// FuzzPromDecoder: any body decodes or fails without a panic, and a
// matrix as Prometheus writes it decodes to the client's points.
func FuzzPromDecoder(f *testing.F) {
	f.Add(promBody([]string{"a"}, []int64{1767225900000}, []float64{12.5}), int64(1767225900123), 3.25, "web1")
	f.Add(`{"status":"error","errorType":"bad_data","error":"x"}`, int64(0), 0.0, "")
	f.Add(`{"data":{"result":[{"metric":{"instance":"a"},"values":[[1,"NaN"]]}]}}`, int64(-5), -1e300, "\u00e9\"")
	f.Fuzz(func(t *testing.T, body string, ms int64, v float64, inst string) {
		var d promDecoder
		d.decode([]byte(body), "instance", func([]byte, []promPoint) {})
		d.exportLines([]byte(body), "instance", func(_, _ []byte, _ []promPoint) {})
		if ms < 0 || ms > 1e13 || math.IsNaN(v) || math.IsInf(v, 0) || !utf8Valid(inst) {
			return
		}
		sameAsClient(t, promBody([]string{inst}, []int64{ms}, []float64{v}))
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

// BenchmarkPromDecoder decodes a range query's answer for a batch: 50
// instances × 2,000 steps of 5 minutes.
func BenchmarkPromDecoder(b *testing.B) {
	insts := make([]string, 50)
	for i := range insts {
		insts[i] = fmt.Sprintf("gen%05d", i)
	}
	times := make([]int64, 2000)
	for i := range times {
		times[i] = 1767225900000 + int64(i)*300000
	}
	body := []byte(promBody(insts, times, []float64{12, 45.5, 1.5e9, 0.333333, 97, 3}))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var d promDecoder
	for b.Loop() {
		n := 0
		if _, err := d.decode(body, "instance", func(_ []byte, pts []promPoint) { n += len(pts) }); err != nil || n != 50*2000 {
			b.Fatal(n, err)
		}
	}
}

func TestPromExportLines(t *testing.T) {
	body := `{"metric":{"__name__":"kvmfit_cpu_busy_pct_mean","instance":"a","machine_id":"m\"1"},"values":[12.5,-0.25,1e+06,3],"timestamps":[1767225900000,1767226200000,1767226500000,-1000]}
{"timestamps":[1],"metric":{"instance":"b"},"values":[NaN]}

 {"metric":{},"values":[],"timestamps":[]}
`
	var d promDecoder
	type line struct {
		inst, metric string
		pts          []promPoint
	}
	var got []line
	if err := d.exportLines([]byte(body), "instance", func(inst, metric []byte, pts []promPoint) {
		got = append(got, line{string(inst), string(metric), append([]promPoint(nil), pts...)})
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].inst != "a" || got[0].metric != `{"__name__":"kvmfit_cpu_busy_pct_mean","instance":"a","machine_id":"m\"1"}` ||
		fmt.Sprint(got[0].pts) != "[{1767225900000 12.5} {1767226200000 -0.25} {1767226500000 1e+06} {-1000 3}]" ||
		got[1].inst != "b" || len(got[1].pts) != 1 || !math.IsNaN(got[1].pts[0].v) || got[2].inst != "" || len(got[2].pts) != 0 {
		t.Errorf("lines %+v", got)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"metric":{},"values":[1,2],"timestamps":[1]}`, "2 values and 1 timestamps"},
		{`{"metric":{},"values":[x],"timestamps":[1]}`, "want a number"},
		{`{"metric":{},"values":[1],"timestamps":[1.5]}`, "want ',' or ']' in an array"},
		{`{"metric":{},"values":[1],"timestamps":[1234567890123456789012]}`, "want a timestamp"},
		{`404 page not found`, "want an object"},
		{`{"metric":{}`, "unexpected end"},
	} {
		err := d.exportLines([]byte(bad.body), "instance", func(_, _ []byte, _ []promPoint) {})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.body, err, bad.want)
		}
	}
}

// BenchmarkPromExportLines decodes VictoriaMetrics' export of one metric
// for a batch: 50 series × 2,000 rows of 5 minutes.
func BenchmarkPromExportLines(b *testing.B) {
	var sb strings.Builder
	for i := range 50 {
		fmt.Fprintf(&sb, `{"metric":{"__name__":"kvmfit_cpu_busy_pct_mean","hostname":"gen%05d","instance":"gen%05d"},"values":[`, i, i)
		for k := range 2000 {
			if k > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatFloat(float64((k*31+i)%100)+0.5*float64(k%2), 'f', -1, 64))
		}
		sb.WriteString(`],"timestamps":[`)
		for k := range 2000 {
			if k > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.FormatInt(1767225900000+int64(k)*300000, 10))
		}
		sb.WriteString("]}\n")
	}
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var d promDecoder
	for b.Loop() {
		n := 0
		if err := d.exportLines(body, "instance", func(_, _ []byte, pts []promPoint) { n += len(pts) }); err != nil || n != 50*2000 {
			b.Fatal(n, err)
		}
	}
}
