package remotewrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang/snappy"
	"github.com/kvmfit/kvmfit/model"
	"github.com/kvmfit/kvmfit/model/dataset"
)

// Options configure a Writer.
type Options struct {
	// URL of the remote-write endpoint, e.g.
	// http://victoria:8428/api/v1/write.
	URL string
	// Client sends the requests (promhttp.Config.Client); nil =
	// http.DefaultClient.
	Client *http.Client
	// SpoolDir holds the requests not yet accepted (created 0750).
	SpoolDir string
	// MaxSpoolBytes caps the spool; beyond it the oldest requests are
	// dropped (and logged). 0 = DefaultMaxSpoolBytes.
	MaxSpoolBytes int64
	// MinFreeBytes: a request is not spooled when the filesystem of the
	// spool would keep less free space (it is dropped, and logged).
	// 0 = DefaultMinFreeBytes; negative = no check.
	MinFreeBytes int64
	// MaxBatchBytes bounds one request's uncompressed size when a backlog
	// is sent (several rows per request). 0 = 1 MiB.
	MaxBatchBytes int
	// Backoff is the first retry delay after a failure, doubled up to
	// MaxBackoff. 0 = 1 s and 5 min.
	Backoff, MaxBackoff time.Duration
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// Logf receives operational messages; nil discards them.
	Logf func(format string, args ...any)
	// freeBytes returns the free bytes of the spool's filesystem (tests).
	freeBytes func(dir string) (int64, error)
}

// Defaults of Options.
const (
	DefaultMaxSpoolBytes = 64 << 20
	DefaultMinFreeBytes  = 256 << 20
)

// Writer spools and sends rows. Append and Flush may be called from
// different goroutines.
type Writer struct {
	opts Options
	id   Identity

	mu      sync.Mutex
	seq     uint64
	inv     model.Inventory
	nextTry time.Time
	backoff time.Duration
	failing bool
	sent    int64
	wake    chan struct{}
}

// ErrRejected marks a request the endpoint refused for good (a 4xx other
// than 429): it is dropped, not retried.
var ErrRejected = errors.New("rejected by the endpoint")

// New opens the spool (keeping what an earlier run left in it) and returns
// a Writer for the server id with inventory inv.
func New(opts Options, id Identity, inv model.Inventory) (*Writer, error) {
	if opts.URL == "" {
		return nil, errors.New("remote write: no URL")
	}
	if opts.SpoolDir == "" {
		return nil, errors.New("remote write: no spool directory")
	}
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	if opts.MaxSpoolBytes <= 0 {
		opts.MaxSpoolBytes = DefaultMaxSpoolBytes
	}
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = DefaultMinFreeBytes
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = 1 << 20
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.freeBytes == nil {
		opts.freeBytes = freeBytes
	}
	if err := os.MkdirAll(opts.SpoolDir, 0o750); err != nil {
		return nil, fmt.Errorf("remote write spool: %w", err)
	}
	w := &Writer{opts: opts, id: id, inv: inv, wake: make(chan struct{}, 1)}
	files, _, err := w.spooled()
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if !isRow(f.name) { // a write a crash cut short
			os.Remove(filepath.Join(opts.SpoolDir, f.name))
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSuffix(f.name, ".sz"), 10, 64); err == nil && n >= w.seq {
			w.seq = n + 1
		}
	}
	return w, nil
}

// SetInventory changes the inventory carried by kvmfit_info from the next row.
func (w *Writer) SetInventory(inv model.Inventory) {
	w.mu.Lock()
	w.inv = inv
	w.mu.Unlock()
}

// Sent returns the number of rows the endpoint accepted.
func (w *Writer) Sent() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent
}

// Append spools row x; Flush (or Run) sends it.
func (w *Writer) Append(x model.Sample) error {
	w.mu.Lock()
	series := RowSeries(w.id, w.inv, x)
	seq := w.seq
	w.seq++
	w.mu.Unlock()
	data := snappy.Encode(nil, Encode(nil, series))
	if err := w.spool(seq, data); err != nil {
		return err
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

type spoolFile struct {
	name string
	size int64
}

// spooled lists the spool, oldest first, and its total size.
func (w *Writer) spooled() ([]spoolFile, int64, error) {
	ents, err := os.ReadDir(w.opts.SpoolDir)
	if err != nil {
		return nil, 0, fmt.Errorf("remote write spool: %w", err)
	}
	var out []spoolFile
	var total int64
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		out = append(out, spoolFile{e.Name(), info.Size()})
		total += info.Size()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, total, nil
}

// isRow reports whether a spool file is a whole row (spoolName), not the
// temporary file of a write in progress (dataset.WriteFileAtomic).
func isRow(name string) bool { return strings.HasSuffix(name, ".sz") && !strings.HasPrefix(name, ".") }

// spoolName is the file of request seq: fixed width, so names sort by age.
func spoolName(seq uint64) string { return fmt.Sprintf("%020d.sz", seq) }

// spool writes one compressed request into the spool (temp file, sync,
// rename), first dropping the oldest requests beyond the cap. A request
// that would leave less than MinFreeBytes free is dropped.
func (w *Writer) spool(seq uint64, data []byte) error {
	dir := w.opts.SpoolDir
	files, total, err := w.spooled()
	if err != nil {
		return err
	}
	for len(files) > 0 && total+int64(len(data)) > w.opts.MaxSpoolBytes {
		if err := os.Remove(filepath.Join(dir, files[0].name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remote write spool: %w", err)
		}
		w.opts.Logf("remote write: spool full (%d bytes): dropped the oldest row %s", w.opts.MaxSpoolBytes, files[0].name)
		total -= files[0].size
		files = files[1:]
	}
	if w.opts.MinFreeBytes > 0 {
		free, err := w.opts.freeBytes(dir)
		if err == nil && free-int64(len(data)) < w.opts.MinFreeBytes {
			return fmt.Errorf("remote write: row dropped: %s has %d bytes free, fewer than the %d kept free", dir, free, w.opts.MinFreeBytes)
		}
	}
	if err := dataset.WriteFileAtomic(filepath.Join(dir, spoolName(seq)), data, 0o640); err != nil {
		return fmt.Errorf("remote write spool: %w", err)
	}
	return nil
}

// Flush sends the spool, oldest first, several rows per request, unless
// the last failure's backoff has not passed yet (then it returns nil and
// does nothing). It stops at the first failure and schedules the retry.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	if w.opts.Now().Before(w.nextTry) {
		w.mu.Unlock()
		return nil
	}
	w.mu.Unlock()
	for {
		files, _, err := w.spooled()
		if err != nil {
			return err
		}
		var batch []spoolFile
		var body []byte
		for _, f := range files {
			if !isRow(f.name) {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(w.opts.SpoolDir, f.name))
			if err != nil {
				return fmt.Errorf("remote write spool: %w", err)
			}
			dec, err := snappy.Decode(nil, raw)
			if err != nil {
				w.opts.Logf("remote write: spool file %s is damaged (%v): dropped", f.name, err)
				os.Remove(filepath.Join(w.opts.SpoolDir, f.name))
				continue
			}
			if len(batch) > 0 && len(body)+len(dec) > w.opts.MaxBatchBytes {
				break
			}
			body = append(body, dec...)
			batch = append(batch, f)
		}
		if len(batch) == 0 {
			return nil
		}
		err = w.post(ctx, snappy.Encode(nil, body))
		if err != nil && !errors.Is(err, ErrRejected) {
			w.fail(err)
			return err
		}
		if err != nil {
			w.opts.Logf("remote write: %d rows dropped: %v", len(batch), err)
		}
		for _, f := range batch {
			os.Remove(filepath.Join(w.opts.SpoolDir, f.name))
		}
		w.mu.Lock()
		if w.failing {
			w.opts.Logf("remote write: %s accepts rows again", w.opts.URL)
		}
		w.failing, w.backoff, w.nextTry = false, 0, time.Time{}
		if err == nil {
			w.sent += int64(len(batch))
		}
		w.mu.Unlock()
	}
}

// fail schedules the next try after a failure.
func (w *Writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.backoff == 0 {
		w.backoff = w.opts.Backoff
	} else {
		w.backoff = min(2*w.backoff, w.opts.MaxBackoff)
	}
	w.nextTry = w.opts.Now().Add(w.backoff)
	if !w.failing {
		w.opts.Logf("remote write: %v; rows are kept in %s and retried", err, w.opts.SpoolDir)
	}
	w.failing = true
}

// NextTry returns when Flush will try again after a failure (zero when
// it is not backing off).
func (w *Writer) NextTry() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nextTry
}

// post sends one snappy-compressed WriteRequest.
func (w *Writer) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.opts.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	req.Header.Set("User-Agent", "kvmfit-collect")
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", w.opts.URL, err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound:
		// Bad data: a retry would fail the same way. Authentication and
		// a wrong path are configuration errors an operator fixes: keep.
		return fmt.Errorf("%w: POST %s: %s: %s", ErrRejected, w.opts.URL, resp.Status, strings.TrimSpace(string(msg)))
	default:
		return fmt.Errorf("POST %s: %s: %s", w.opts.URL, resp.Status, strings.TrimSpace(string(msg)))
	}
}

// Run flushes after every Append and at each retry time until ctx is
// done, then flushes once more (bounded by grace).
func (w *Writer) Run(ctx context.Context, grace time.Duration) {
	for {
		w.Flush(ctx)
		var retry <-chan time.Time
		if next := w.NextTry(); !next.IsZero() {
			t := time.NewTimer(time.Until(next))
			retry = t.C
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
			w.mu.Lock()
			w.nextTry = time.Time{}
			w.mu.Unlock()
			w.Flush(fctx)
			cancel()
			return
		case <-w.wake:
		case <-retry:
		}
	}
}
