package main

import (
	"bufio"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentRequests sends 5 concurrent requests to a handler that
// sleeps 1 s, through the gateway, in both transfer modes: 5 execution
// environments, each with its own cold start in the access log, and the
// whole well under 5 s.
func TestConcurrentRequests(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("streaming=%v", streaming), func(t *testing.T) {
			var logs lockedBuffer
			s, _ := runningWith(t, slowApp(streaming, 5*time.Second), func(c *stackConfig) { c.Log = &logs })
			const n = 5
			statuses, bodies := make([]int, n), make([]string, n)
			start := time.Now()
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					res, body := fetch(t, "GET", s.StageURL+"sleep?ms=1000")
					statuses[i], bodies[i] = res.StatusCode, string(body)
				})
			}
			wg.Wait()
			wall := time.Since(start)
			for i := range n {
				if statuses[i] != 200 || bodies[i] != "slept 1000 ms" {
					t.Errorf("request %d: got %d %q, want 200 \"slept 1000 ms\"", i, statuses[i], bodies[i])
				}
			}
			colds := strings.Count(logs.String(), "cold start, init")
			fmt.Printf("goapigw (streaming=%v): %d concurrent requests to a 1 s handler took %v, %d cold starts\n", streaming, n, wall.Round(time.Millisecond), colds)
			if wall > 3500*time.Millisecond {
				t.Errorf("%d concurrent 1 s requests took %v, want well under %d s", n, wall, n)
			}
			if colds != n {
				t.Errorf("the access log shows %d cold starts, want %d (one per environment):\n%s", colds, n, logs.String())
			}
		})
	}
}

// TestThrottleThroughTheGateway caps the function at 2 (the template's
// ReservedConcurrentExecutions): of 3 concurrent requests, the third gets
// API Gateway's answer to a throttled Lambda, 500 {"message":"Internal
// server error"}, at once.
func TestThrottleThroughTheGateway(t *testing.T) {
	a := slowApp(false, 5*time.Second)
	a.Function.ReservedConcurrency = 2
	s, _ := running(t, a)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if res, body := fetch(t, "GET", s.DomainURL+"sleep?ms=1500"); res.StatusCode != 200 {
				t.Errorf("a request within the cap: got %d %s, want 200", res.StatusCode, body)
			}
		})
	}
	for deadline := time.Now().Add(5 * time.Second); len(s.pgids()) < 2; {
		if time.Now().After(deadline) {
			t.Fatal("two requests did not start two environments within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	res, body := fetch(t, "GET", s.StageURL)
	took := time.Since(start)
	if res.StatusCode != http.StatusInternalServerError || string(body) != `{"message":"Internal server error"}` {
		t.Errorf("the third concurrent request: got %d %s, want 500 {\"message\":\"Internal server error\"}", res.StatusCode, body)
	}
	if took > time.Second {
		t.Errorf("the throttled request took %v, want an answer at once (Lambda does not queue)", took)
	}
	wg.Wait()
	if res, _ := fetch(t, "GET", s.StageURL); res.StatusCode != 200 {
		t.Errorf("after the two ended: got %d, want 200", res.StatusCode)
	}
}

// coldStart is the access log's note of a cold start.
var coldStart = regexp.MustCompile(`cold start, init ([0-9.]+) ms`)

// TestPageDuringStream loads a page through one door while a stream runs
// through the other: the page answers in cold-start time, not after the
// stream.
func TestPageDuringStream(t *testing.T) {
	var logs lockedBuffer
	s, _ := runningWith(t, slowApp(true, 5*time.Second), func(c *stackConfig) { c.Log = &logs })
	res, err := http.Get(s.DomainURL + "lines") // 5 lines, 300 ms apart
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	if !lines.Scan() || lines.Text() != "line 1" {
		t.Fatalf("the stream's first line: got %q, %v", lines.Text(), lines.Err())
	}
	start := time.Now()
	page, body := fetch(t, "GET", s.StageURL)
	took := time.Since(start)
	if page.StatusCode != 200 || string(body) != "fast" {
		t.Errorf("the page: got %d %q", page.StatusCode, body)
	}
	if took > time.Second {
		t.Errorf("a page during a 1.5 s stream took %v, want about a cold start", took)
	}
	n := 1
	for lines.Scan() {
		n++
	}
	if n != 5 {
		t.Errorf("the stream: got %d lines, want 5", n)
	}
	res.Body.Close()
	// Both access lines written: INITs are noted in the order they
	// happened, the stream's first.
	for deadline := time.Now().Add(2 * time.Second); strings.Count(logs.String(), "\n") < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	inits := coldStart.FindAllStringSubmatch(logs.String(), -1)
	if len(inits) != 2 {
		t.Errorf("the access log shows %d cold starts, want 2 (the stream's environment, the page's):\n%s", len(inits), logs.String())
	} else {
		fmt.Printf("goapigw: a page during a running stream answered in %v (its cold start: INIT %s ms)\n", took.Round(time.Millisecond), inits[1][1])
	}
}
