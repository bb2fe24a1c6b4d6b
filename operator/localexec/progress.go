package localexec

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// progress draws a one-line progress bar with an ETA on the terminal.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	total    int
	finished int
	per      time.Duration // planned time of one run
	parallel int           // runs at once
	started  time.Time
	running  map[string]time.Time
	stop     chan struct{}
	tty      bool
}

func newProgress(w io.Writer, total int, per time.Duration, parallel int) *progress {
	p := &progress{w: w, total: total, per: per, parallel: max(parallel, 1), started: time.Now(),
		running: map[string]time.Time{}, stop: make(chan struct{})}
	p.tty = isTerminal(w)
	if w != nil && p.tty {
		go p.tick()
	}
	return p
}

// isTerminal reports whether w is a character device: only a terminal gets
// a redrawn bar; a log gets one line per finished run.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.draw("")
		case <-p.stop:
			return
		}
	}
}

func (p *progress) start(id string) {
	p.mu.Lock()
	p.running[id] = time.Now()
	p.mu.Unlock()
	p.draw("")
}

func (p *progress) done(id, outcome string) {
	p.mu.Lock()
	delete(p.running, id)
	p.finished++
	p.mu.Unlock()
	p.draw(fmt.Sprintf("%s: %s", id, outcome))
}

// grow adds runs to the total: spec.precision's next round.
func (p *progress) grow(n int) {
	p.mu.Lock()
	p.total += n
	p.mu.Unlock()
}

func (p *progress) finish() {
	close(p.stop)
	p.draw("")
	if p.w != nil {
		fmt.Fprintln(p.w)
	}
}

// notef prints a notice on its own line, above the bar.
func (p *progress) notef(format string, a ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, format+"\n", a...)
}

// draw rewrites the bar; a note is printed on its own line above it.
func (p *progress) draw(note string) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 30
	filled := width * p.finished / max(p.total, 1)
	var ids []string
	for id := range p.running {
		ids = append(ids, id)
	}
	var elapsed []time.Duration
	for _, t := range p.running {
		elapsed = append(elapsed, time.Since(t))
	}
	left := eta(p.per, p.parallel, p.total-p.finished-len(p.running), elapsed)
	if !p.tty {
		if note != "" {
			fmt.Fprintf(p.w, "%d/%d runs  %s  (elapsed %s, ETA %s)\n", p.finished, p.total, note,
				time.Since(p.started).Round(time.Second), max(left, 0).Round(time.Second))
		}
		return
	}
	if note != "" {
		fmt.Fprintf(p.w, "\r\033[K  %s\n", note)
	}
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d runs  elapsed %s  ETA %s  %s",
		strings.Repeat("#", filled), strings.Repeat("-", width-filled), p.finished, p.total,
		time.Since(p.started).Round(time.Second), max(left, 0).Round(time.Second), strings.Join(ids, " "))
}

// eta is the time until the last run ends if every run takes per: the
// running ones end per after they started, and each queued run starts on
// the first of the parallel slots to come free.
func eta(per time.Duration, parallel, queued int, running []time.Duration) time.Duration {
	free := make([]time.Duration, max(parallel, len(running), 1)) // when each slot comes free
	for i, e := range running {
		free[i] = max(per-e, 0)
	}
	for range max(queued, 0) {
		i := 0
		for j := range free {
			if free[j] < free[i] {
				i = j
			}
		}
		free[i] += per
	}
	return slices.Max(free)
}
