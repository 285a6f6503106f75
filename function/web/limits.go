package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The two pages that pass the seed's limits when the function streams: a
// download larger than Lambda's 6 MB, and a computation that runs longer
// than API Gateway's 29 s.

// downloadCSV streams one row for every hour from the date in "from"
// (default 1900-01-01) to now: about 45 MB since 1900. Rows are produced as
// they are written, so memory stays flat whatever the size.
func (a *App) downloadCSV(w http.ResponseWriter, r *http.Request) {
	from := r.URL.Query().Get("from")
	if from == "" {
		from = earliest.Format(time.DateOnly)
	}
	now := a.now().UTC()
	if _, err := DaysSince(from, now); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	start, _ := time.Parse(time.DateOnly, from)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="hours-since-`+from+`.csv"`)
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = io.WriteString(bw, "hour_utc,weekday,day_of_life,hour_of_life\n")
	end := now.Truncate(time.Hour)
	var row []byte
	hour := 0
	for t := start; !t.After(end); t = t.Add(time.Hour) {
		if hour%8192 == 0 && r.Context().Err() != nil {
			return // the client left or the deadline passed
		}
		hour++
		row = t.AppendFormat(row[:0], time.RFC3339)
		row = append(row, ',')
		row = append(row, t.Weekday().String()...)
		row = append(row, ',')
		row = strconv.AppendInt(row, int64((hour-1)/24+1), 10)
		row = append(row, ',')
		row = strconv.AppendInt(row, int64(hour), 10)
		row = append(row, '\n')
		if _, err := bw.Write(row); err != nil {
			return
		}
	}
	_ = bw.Flush()
}

// progressSteps is the number of steps of a run of the long computation of
// the given length: one a second.
func progressSteps(d time.Duration) int { return max(1, int(d/time.Second)) }

// progressMargin is what a run keeps back from its request's deadline, so
// that it ends its page with a proper end of stream, even on a busy machine,
// rather than be cut by the adapter.
const progressMargin = time.Second

// secondsLeft is how many whole seconds of computation fit before the
// request's deadline, keeping progressMargin, and how many whole seconds are
// left to the deadline; ok is false when the request has none (a plain
// server). In Lambda the adapter sets the deadline: the integration timeout
// or the function's own, whichever ends first.
func secondsLeft(r *http.Request) (fit, left int, ok bool) {
	deadline, ok := r.Context().Deadline()
	if !ok {
		return 0, 0, false
	}
	until := time.Until(deadline)
	return int((until - progressMargin) / time.Second), int(until / time.Second), true
}

// run is one run of the long computation, as the request may have it.
type run struct {
	seconds int // how long it runs
	asked   int // what the request asked for, when the deadline made it shorter; else 0
	within  int // whole seconds to the request's deadline, when asked is set
}

// planRun reads ?seconds= (1 to 900), else the app's default, and shortens
// the run to what fits before the request's deadline. It answers the
// request itself, and reports false, when there is no run to make.
func (a *App) planRun(w http.ResponseWriter, r *http.Request) (run, bool) {
	rn := run{seconds: int(a.progress / time.Second)}
	if v := r.URL.Query().Get("seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 900 {
			http.Error(w, fmt.Sprintf("seconds must be a whole number from 1 to 900, not %q", v), http.StatusBadRequest)
			return run{}, false
		}
		rn.seconds = n
	}
	if fit, left, ok := secondsLeft(r); ok && fit < rn.seconds {
		if fit < 1 {
			http.Error(w, "Too little time is left before this request's deadline to run the computation.", http.StatusServiceUnavailable)
			return run{}, false
		}
		rn = run{seconds: fit, asked: rn.seconds, within: left}
	}
	return rn, true
}

// step is one step of the long computation: the primes of a range of the
// numbers, counted for real.
type step struct {
	Step   int `json:"step"`
	Of     int `json:"of"`
	Primes int `json:"primes"` // below Upto, so far
	Upto   int `json:"upto"`
}

// clamped is the event that says the deadline made a run shorter.
type clamped struct {
	Asked   int `json:"asked"`   // seconds asked for
	Seconds int `json:"seconds"` // seconds it runs
	Within  int `json:"within"`  // whole seconds to the request's deadline
}

const numbersPerStep = 50_000

// compute runs the computation, calling report after each step; a step
// takes at least a second, so the run lasts d. It stops within a fraction of
// a millisecond when ctx ends, even in the middle of counting.
func compute(ctx context.Context, d time.Duration, perStep int, report func(step) error) error {
	n := progressSteps(d)
	primes := 0
	for i := 1; i <= n; i++ {
		tick := time.NewTimer(time.Second)
		found, err := countPrimes(ctx, (i-1)*perStep, i*perStep)
		if err != nil {
			tick.Stop()
			return err
		}
		primes += found
		select {
		case <-ctx.Done():
			tick.Stop()
			return ctx.Err()
		case <-tick.C:
		}
		if err := report(step{Step: i, Of: n, Primes: primes, Upto: i * perStep}); err != nil {
			return err
		}
	}
	return nil
}

// checkEvery is how many numbers countPrimes tests between two looks at its
// context: a few microseconds of work even at the top of the range.
const checkEvery = 256

// countPrimes counts the primes in [lo, hi) by trial division: honest work,
// small enough for one step. It returns ctx's error as soon as ctx ends.
func countPrimes(ctx context.Context, lo, hi int) (int, error) {
	count := 0
	for n := max(lo, 2); n < hi; n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		prime := true
		for d := 2; d*d <= n; d++ {
			if n%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			count++
		}
	}
	return count, nil
}

// progressPage streams an HTML page that grows by a line a step: it works
// without JavaScript, as the browser renders the document as it arrives.
func (a *App) progressPage(w http.ResponseWriter, r *http.Request) {
	rn, ok := a.planRun(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	if r.Method == http.MethodHead {
		return
	}
	data := a.data(r)
	data.Seconds, data.Asked, data.Within = rn.seconds, rn.asked, rn.within
	rc := http.NewResponseController(w)
	if err := templates.ExecuteTemplate(w, "progress-head", data); err != nil {
		return
	}
	_ = rc.Flush()
	start := time.Now()
	err := compute(r.Context(), time.Duration(rn.seconds)*time.Second, a.perStep, func(s step) error {
		if err := progressLine.Execute(w, s); err != nil {
			return err
		}
		return rc.Flush() // a client that left ends the run here too
	})
	if err != nil {
		return // the deadline or the client ended it; the adapter reports it
	}
	_ = templates.ExecuteTemplate(w, "progress-tail", struct {
		pageData
		Took string
	}{data, time.Since(start).Round(100 * time.Millisecond).String()})
}

var progressLine = template.Must(template.New("line").Parse(
	`<li>Step {{.Step}} of {{.Of}}: {{.Primes}} primes below {{.Upto}}</li>` + "\n"))

// progressEvents is the same computation as server-sent events, for the
// page's script, which updates the home page in place.
func (a *App) progressEvents(w http.ResponseWriter, r *http.Request) {
	rn, ok := a.planRun(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	// A comment first, so the browser knows the stream is open.
	_, _ = io.WriteString(w, ": started\n\n")
	if rn.asked != 0 {
		b, _ := json.Marshal(clamped{Asked: rn.asked, Seconds: rn.seconds, Within: rn.within})
		_, _ = fmt.Fprintf(w, "event: clamped\ndata: %s\n\n", b)
	}
	_ = rc.Flush()
	var last step
	err := compute(r.Context(), time.Duration(rn.seconds)*time.Second, a.perStep, func(s step) error {
		last = s
		b, _ := json.Marshal(s)
		if _, err := fmt.Fprintf(w, "event: step\ndata: %s\n\n", b); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil {
		return
	}
	b, _ := json.Marshal(last)
	_, _ = fmt.Fprintf(w, "event: done\ndata: %s\n\n", b)
}
