package lambdalocal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/goapigw/webapp/infra/internal/loopback"
	"github.com/goapigw/webapp/internal/awslimits"
)

// MaxStreamBytes is Lambda's limit for a streamed response.
const MaxStreamBytes = awslimits.LambdaStreamedResponseBytes

// RuntimeConfig says what a RuntimeAPI runs.
type RuntimeConfig struct {
	Bootstrap string // the function; its directory is the working directory, as /var/task
	// Env is the function's environment: the template's variables and what
	// the caller knows of the function, such as
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024. Lambda's defined variables are
	// added; nothing of this process's environment reaches the function.
	Env []string
	// Timeout is the function's timeout: an invocation still running then
	// is stopped, and its runtime with it, as Lambda does. Default: 3 s.
	Timeout time.Duration
	// OnInit, if set, gets the duration of each INIT phase: from starting
	// the bootstrap to its first request for an invocation.
	OnInit func(ms float64)
	// OnLine, if set, gets every line the bootstrap prints.
	OnLine func(line string)
}

// RuntimeAPI runs a bootstrap under this package's own Lambda Runtime API:
// the documented custom-runtime protocol (invocation/next, /response,
// /error, init/error), one invocation at a time like one execution
// environment. Unlike the pinned RIE, it hands a streamed response
// (chunked, or Lambda-Runtime-Function-Response-Mode: streaming) to the
// caller as the function writes it, and it reports an error that the
// function sends in the Lambda-Runtime-Function-Error-Type and -Body
// trailers as the end of that stream. A runtime that crashes or runs past
// the timeout is stopped and started again on the next invocation, with a
// new INIT.
type RuntimeAPI struct {
	cfg   RuntimeConfig
	addr  string
	srv   *http.Server
	slot  chan struct{} // one invocation at a time
	token string

	mu       sync.Mutex
	proc     *process
	pending  chan *invocation // offered to the runtime's /next
	inflight map[string]*invocation
	closed   bool
}

type process struct {
	*group
	started time.Time
	inited  bool
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	answer   chan answer // the head of the response, once
	ended    chan struct{}
	once     sync.Once

	mu       sync.Mutex
	answered bool
	pw       *io.PipeWriter // the body being streamed, once the function answers
}

// deliver sends the invocation's answer, once; it reports whether this was
// the answer.
func (inv *invocation) deliver(ans answer, pw *io.PipeWriter) bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.answered {
		return false
	}
	inv.answered, inv.pw = true, pw
	inv.answer <- ans // buffered: never blocks
	return true
}

type answer struct {
	res *Response
	err error
}

// Response is a function's answer: its content type, and its body as the
// function sends it. A streamed body that the function ends with an error
// (or that the timeout cuts) fails its last Read with a *FunctionError.
type Response struct {
	ContentType string
	Streamed    bool
	Body        io.ReadCloser
}

// FunctionError is what a function reported instead of an answer, or at the
// end of a stream.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// StartRuntimeAPI serves the Runtime API on a free loopback port. The
// bootstrap starts on the first invocation, as in Lambda.
func StartRuntimeAPI(cfg RuntimeConfig) (*RuntimeAPI, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var token [32]byte
	_, _ = rand.Read(token[:])
	a := &RuntimeAPI{cfg: cfg, addr: l.Addr().String(), token: base64.RawURLEncoding.EncodeToString(token[:]),
		slot: make(chan struct{}, 1), pending: make(chan *invocation), inflight: map[string]*invocation{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.initError)
	a.srv = &http.Server{Handler: a.admit(mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(l) }()
	return a, nil
}

// Addr is the Runtime API's host:port. The runtime's AWS_LAMBDA_RUNTIME_API
// adds a path: the token without which the API answers nothing.
func (a *RuntimeAPI) Addr() string { return a.addr }

// admit serves api to the runtime this RuntimeAPI started, and to no other
// process or web page: a request must name a loopback Host (against DNS
// rebinding) and begin its path with the token, a 256-bit random value only
// the runtime's environment holds (AWS_LAMBDA_RUNTIME_API=host:port/token;
// aws-lambda-go puts the variable between "http://" and the API's path). A
// process without it cannot take an invocation, with its Authorization and
// Cookie headers, nor answer one.
func (a *RuntimeAPI) admit(api http.Handler) http.Handler {
	prefix := "/" + a.token
	api = http.StripPrefix(prefix, api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.Host(r.Host) {
			loopback.Refuse(w)
			return
		}
		seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if subtle.ConstantTimeCompare([]byte(seg), []byte(a.token)) != 1 {
			http.Error(w, `{"errorMessage":"this Runtime API serves only the runtime it started","errorType":"Forbidden"}`, http.StatusForbidden)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// Invoke runs one invocation and returns the whole answer, as the RIE's
// invoke endpoint does: a function error is the error's JSON. It satisfies
// apigwlocal's Invoker.
func (a *RuntimeAPI) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return whole(a.InvokeStream(ctx, payload))
}

// whole reads a streamed answer to its end, as Invoke returns it: a
// function error, before or at the end of the stream, is the error's JSON.
func whole(res *Response, err error) ([]byte, error) {
	var fe *FunctionError
	if errors.As(err, &fe) {
		return json.Marshal(fe)
	}
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, MaxPayloadBytes+1))
	if errors.As(err, &fe) {
		return json.Marshal(fe)
	}
	return out, err
}

// InvokeStream runs one invocation and returns its answer as soon as the
// function starts to send it. The caller must close the body; closing it
// early discards the rest. When ctx ends first, the invocation goes on, as
// it does in Lambda, until the function answers or its timeout ends it.
func (a *RuntimeAPI) InvokeStream(ctx context.Context, payload []byte) (*Response, error) {
	res, _, err := a.start(ctx, payload)
	return res, err
}

// start is InvokeStream, and also returns a channel closed when the
// invocation has ended and the environment is free for the next one (nil
// when the invocation never began: ctx ended while it waited).
func (a *RuntimeAPI) start(ctx context.Context, payload []byte) (*Response, <-chan struct{}, error) {
	select {
	case a.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	inv := &invocation{id: newRequestID(), payload: payload, deadline: time.Now().Add(a.cfg.Timeout),
		answer: make(chan answer, 1), ended: make(chan struct{})}
	free := make(chan struct{})
	go func() {
		defer close(free)
		a.run(inv)
	}()
	select {
	case ans := <-inv.answer:
		return ans.res, free, ans.err
	case <-ctx.Done():
		// The caller gave up; the invocation keeps the environment busy.
		go func() {
			if ans := <-inv.answer; ans.res != nil {
				ans.res.Body.Close()
			}
		}()
		return nil, free, ctx.Err()
	}
}

// run drives one invocation to its end and frees the slot.
func (a *RuntimeAPI) run(inv *invocation) {
	defer func() { <-a.slot }()
	a.mu.Lock()
	a.inflight[inv.id] = inv
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.inflight, inv.id)
		a.mu.Unlock()
	}()
	timeout := time.NewTimer(time.Until(inv.deadline))
	defer timeout.Stop()
	var proc *process
	// A runtime may be on its way out when the invocation arrives (after a
	// panic, aws-lambda-go reports the error, then exits): as Lambda does,
	// start a new one for it. A runtime started for this very invocation
	// that exits before taking it failed its INIT, and the invocation fails.
	for retried := false; ; retried = true {
		var err error
		if proc, err = a.ensureProcess(); err != nil {
			inv.fail(err)
			return
		}
		select {
		case a.pending <- inv:
		case <-proc.exited:
			if !retried {
				continue
			}
			inv.fail(fmt.Errorf("the runtime exited before the invocation: %v", proc.err))
			return
		case <-timeout.C:
			a.stop(proc)
			inv.fail(a.timedOut())
			return
		}
		break
	}
	select {
	case <-inv.ended:
	case <-proc.exited:
		inv.fail(&FunctionError{Type: "Runtime.ExitError", Message: fmt.Sprintf("RequestId: %s Error: Runtime exited: %v", inv.id, proc.err)})
	case <-timeout.C:
		// Lambda stops the environment; the next invocation starts cold.
		inv.fail(a.timedOut())
		a.stop(proc)
		<-proc.exited
	}
}

// timedOut is Lambda's error for an invocation past the function timeout.
func (a *RuntimeAPI) timedOut() *FunctionError {
	return &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("Task timed out after %.2f seconds", a.cfg.Timeout.Seconds())}
}

// fail ends an invocation with err: as the answer when none was sent, else
// as the end of its stream.
func (inv *invocation) fail(err error) {
	if !inv.deliver(answer{err: err}, nil) {
		inv.mu.Lock()
		pw := inv.pw
		inv.mu.Unlock()
		if pw != nil {
			_ = pw.CloseWithError(err) // the first error of a pipe stays
		}
	}
	inv.end()
}

// end marks the invocation finished, once.
func (inv *invocation) end() {
	inv.once.Do(func() { close(inv.ended) })
}

func (a *RuntimeAPI) ensureProcess() (*process, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errors.New("the Runtime API is closed")
	}
	if a.proc != nil {
		select {
		case <-a.proc.exited:
			a.proc = nil // crashed or stopped: start a new one
		default:
			return a.proc, nil
		}
	}
	cmd := exec.Command(a.cfg.Bootstrap)
	cmd.Dir = filepath.Dir(a.cfg.Bootstrap)
	cmd.Env = functionEnv(cmd.Dir, a.cfg.Env,
		"AWS_LAMBDA_RUNTIME_API="+a.addr+"/"+a.token,
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(a.cfg.Timeout.Seconds())))
	started := time.Now()
	g, err := startGroup(cmd, func(line string) {
		if a.cfg.OnLine != nil {
			a.cfg.OnLine(line)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("start the bootstrap: %w", err)
	}
	p := &process{group: g, started: started}
	a.proc = p
	return p, nil
}

// stop ends a runtime process and everything it started.
func (a *RuntimeAPI) stop(p *process) {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// next hands the runtime the next invocation, waiting for one.
func (a *RuntimeAPI) next(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	p := a.proc
	if p != nil && !p.inited {
		p.inited = true
		if a.cfg.OnInit != nil {
			a.cfg.OnInit(float64(time.Since(p.started).Microseconds()) / 1000)
		}
	}
	a.mu.Unlock()
	select {
	case inv := <-a.pending:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:123456789012:function:local-web-app")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+inv.id[:8]+"-"+strings.ReplaceAll(inv.id, "-", "")[:24]+";Sampled=0")
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

func (a *RuntimeAPI) find(w http.ResponseWriter, r *http.Request) *invocation {
	a.mu.Lock()
	inv := a.inflight[r.PathValue("id")]
	a.mu.Unlock()
	if inv == nil {
		http.Error(w, `{"errorMessage":"unknown or finished invocation","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
	}
	return inv
}

// response takes the function's answer and hands it on as it arrives.
func (a *RuntimeAPI) response(w http.ResponseWriter, r *http.Request) {
	inv := a.find(w, r)
	if inv == nil {
		return
	}
	streamed := r.ContentLength < 0 || strings.EqualFold(r.Header.Get("Lambda-Runtime-Function-Response-Mode"), "streaming")
	limit := int64(MaxPayloadBytes)
	if streamed {
		limit = MaxStreamBytes
	}
	pr, pw := io.Pipe()
	res := &Response{ContentType: r.Header.Get("Content-Type"), Streamed: streamed, Body: pr}
	if !inv.deliver(answer{res: res}, pw) {
		// Already answered (timed out): discard.
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var endErr error
	n, err := io.Copy(pw, io.LimitReader(r.Body, limit+1))
	switch {
	case err != nil && !errors.Is(err, io.ErrClosedPipe):
		endErr = fmt.Errorf("read the function's response: %w", err)
	case n > limit:
		endErr = &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", limit)}
	case r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "":
		fe := &FunctionError{Type: r.Trailer.Get("Lambda-Runtime-Function-Error-Type")}
		if b, err := decodeBase64JSON(r.Trailer.Get("Lambda-Runtime-Function-Error-Body")); err == nil {
			_ = json.Unmarshal(b, fe)
		}
		endErr = fe
	}
	_, _ = io.Copy(io.Discard, r.Body) // the reader left: let the runtime finish
	if endErr != nil {
		_ = pw.CloseWithError(endErr)
	} else {
		_ = pw.Close()
	}
	inv.end()
	w.WriteHeader(http.StatusAccepted)
}

// invocationError takes a function error in place of an answer.
func (a *RuntimeAPI) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := a.find(w, r)
	if inv == nil {
		return
	}
	fe := &FunctionError{Type: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	_ = json.Unmarshal(b, fe)
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	inv.fail(fe)
	w.WriteHeader(http.StatusAccepted)
}

// initError records a failed INIT: the invocation waiting for it fails, and
// the runtime is stopped, to be started again on the next invocation.
func (a *RuntimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	fe := &FunctionError{Type: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	_ = json.Unmarshal(b, fe)
	if fe.Type == "" {
		fe.Type = "Runtime.InitError"
	}
	a.mu.Lock()
	p := a.proc
	a.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	if p != nil {
		a.stop(p)
	}
}

// Close stops the runtime and the API.
func (a *RuntimeAPI) Close() {
	a.mu.Lock()
	a.closed = true
	p := a.proc
	a.mu.Unlock()
	if p != nil {
		a.stop(p)
		select {
		case <-p.exited:
		case <-time.After(2 * time.Second):
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = a.srv.Shutdown(ctx)
}

// PGID is the running bootstrap's process group, or 0 with none.
func (a *RuntimeAPI) PGID() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proc == nil {
		return 0
	}
	return a.proc.cmd.Process.Pid
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func decodeBase64JSON(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(s)
}
