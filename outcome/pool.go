package outcome

import (
	"runtime"
	"sync"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// Computed is one funnel as the statistics give it: a group's units of
// one type (Set) and their result (Compute), one entry per unit. [Describe] turns it
// into the Funnel a release keeps.
type Computed struct {
	Group  Group
	Set    UnitSet
	Result stats.Result
}

// Pool computes groups' funnels by a method on several goroutines, so a
// caller that reads groups one by one (a file, a release being loaded) has
// every core working while it goes on reading. It holds no rows of its
// own: a group's rows must not change until its Pending is done.
type Pool struct {
	m       *Method
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Pending
	closed  bool
	workers sync.WaitGroup
}

// Pending is a group's funnels being computed.
type Pending struct {
	group Group
	rows  []Row
	sets  []UnitSet // when the caller made the units
	done  chan struct{}
	out   []Computed
}

// NewPool starts workers goroutines (GOMAXPROCS when workers < 1)
// computing funnels by m. m must not change while the pool runs.
func NewPool(m *Method, workers int) *Pool {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Pool{m: m}
	p.cond = sync.NewCond(&p.mu)
	for range workers {
		p.workers.Go(p.work)
	}
	return p
}

// Go queues group g, whose rows are rows, and returns at once.
func (p *Pool) Go(g Group, rows []Row) *Pending {
	return p.enqueue(&Pending{group: g, rows: rows, done: make(chan struct{})})
}

func (p *Pool) enqueue(pd *Pending) *Pending {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		panic("outcome: Pool.Go after Close")
	}
	p.queue = append(p.queue, pd)
	p.mu.Unlock()
	p.cond.Signal()
	return pd
}

// GoUnits is Go for a group whose units are already made (outcome.Units),
// as a store reading a release in key order makes them for its own use.
func (p *Pool) GoUnits(g Group, sets []UnitSet) *Pending {
	return p.enqueue(&Pending{group: g, sets: sets, done: make(chan struct{})})
}

// Wait returns the group's funnels, surgeons' first (see [Units]), once
// they are computed.
func (pd *Pending) Wait() []Computed {
	<-pd.done
	return pd.out
}

// Close lets the workers end once the queued groups are computed, and
// waits for them.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.workers.Wait()
}

func (p *Pool) work() {
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if len(p.queue) == 0 {
			p.mu.Unlock()
			return
		}
		pd := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()
		opts := p.m.OptionsFor(pd.group)
		sets := pd.sets
		if sets == nil {
			sets = Units(pd.rows)
		}
		for _, set := range sets {
			pd.out = append(pd.out, Computed{Group: pd.group, Set: set, Result: Compute(set, opts)})
		}
		pd.rows, pd.sets = nil, nil
		close(pd.done)
	}
}
