package stats

import (
	"errors"
	"fmt"
	"math"
)

// Monitoring a unit's own series of operations, one at a time, between
// publications: the risk-adjusted CUSUM (RA-CUSUM) and the VLAD chart.
//
// RA-CUSUM (Steiner, Cook, Farewell & Treasure, "Monitoring surgical
// performance using risk-adjusted cumulative sum charts", Biostatistics
// 2000;1:441–452). Operation t, with predicted risk of death p_t and
// outcome y_t (1 died, 0 survived), scores the log-likelihood ratio of the
// odds of death being multiplied by R against their being as predicted:
//
//	W_t = y_t·ln(R) − ln(1 + (R − 1)·p_t)
//
// The deterioration chart tests R = 2 (the odds of death doubled):
//
//	S_t = max(0, S_{t−1} + W_t),  S_0 = 0,  signal when S_t ≥ h  (h = 4.5)
//
// The improvement chart tests R = 1/2 (the odds halved) and is drawn below
// zero, as the `cusum` R package draws it (racusum with a negative limit):
//
//	S_t = min(0, S_{t−1} − W_t),  signal when S_t ≤ −h  (h = 4)
//
// W_t keeps Steiner's sign for both charts: with R = 1/2 a survival scores
// a little above 0 and a death well below it, as the `vlad` R package's
// reference values do (Parsonnet 0: survived 0.0124, died −0.6808), and the
// improvement chart subtracts it, so survivals walk it down towards −h.
// After a signal a chart starts again from 0 at the next operation (the
// value at the signal itself is kept, so the crossing is seen).
//
// VLAD, the variable life-adjusted display (Lovegrove, Valencia, Treasure,
// Sherlaw-Johnson & Gallivan, "Monitoring the results of cardiac surgery
// by variable life-adjusted display", Lancet 1997;350:1128–30), is the
// running sum of expected minus observed deaths, "statistical lives
// saved": V_t = Σ_{i≤t} (p_i − y_i). It is a picture, not a test: it has no
// limit.

// Monitor is how the two CUSUM charts are set: the odds ratios each tests
// and the limits at which each signals.
type Monitor struct {
	// UpOdds is the deterioration chart's odds ratio R (> 1; 2: the odds
	// of death doubled); UpLimit its limit h (> 0).
	UpOdds, UpLimit float64
	// DownOdds is the improvement chart's odds ratio R (between 0 and 1;
	// 1/2: the odds halved); DownLimit its limit h (> 0), drawn at −h.
	DownOdds, DownLimit float64
}

// Default CUSUM settings: R = 2 with h = 4.5 for deterioration, R = 1/2
// with h = 4 for improvement, the settings of Steiner et al.'s cardiac
// surgery example and of the `cusum` and `vlad` R packages' examples.
const (
	DefaultUpOdds    = 2.0
	DefaultUpLimit   = 4.5
	DefaultDownOdds  = 0.5
	DefaultDownLimit = 4.0
)

// DefaultMonitor is the default settings.
func DefaultMonitor() Monitor {
	return Monitor{UpOdds: DefaultUpOdds, UpLimit: DefaultUpLimit, DownOdds: DefaultDownOdds, DownLimit: DefaultDownLimit}
}

// Check reports the first setting that cannot define a chart.
func (m Monitor) Check() error {
	switch {
	case !(m.UpOdds > 1) || math.IsInf(m.UpOdds, 0):
		return fmt.Errorf("stats: deterioration odds ratio %v: must be more than 1", m.UpOdds)
	case !(m.DownOdds > 0 && m.DownOdds < 1):
		return fmt.Errorf("stats: improvement odds ratio %v: must be between 0 and 1", m.DownOdds)
	case !(m.UpLimit > 0) || math.IsInf(m.UpLimit, 0):
		return fmt.Errorf("stats: deterioration limit %v: must be more than 0", m.UpLimit)
	case !(m.DownLimit > 0) || math.IsInf(m.DownLimit, 0):
		return fmt.Errorf("stats: improvement limit %v: must be more than 0", m.DownLimit)
	}
	return nil
}

// CUSUMScore is Steiner's score W = y·ln(R) − ln(1 + (R − 1)·p) of one
// operation with predicted risk p (0 < p < 1) for odds ratio r.
func CUSUMScore(died bool, p, r float64) float64 {
	w := -math.Log1p((r - 1) * p)
	if died {
		w += math.Log(r)
	}
	return w
}

// Operation is one operation's outcome and its predicted risk of death.
type Operation struct {
	Died bool
	// Risk is the risk model's predicted probability of death, 0 < p < 1.
	Risk float64
}

// MonitorPoint is both charts and VLAD after one operation.
type MonitorPoint struct {
	// UpScore and DownScore are the operation's scores W at the
	// deterioration and improvement charts' odds ratios.
	UpScore, DownScore float64
	// Up (≥ 0) and Down (≤ 0) are the charts after the operation: at a
	// signal the value that crossed the limit; the next point starts from
	// 0.
	Up, Down float64
	// UpSignal and DownSignal say whether this operation made a chart
	// cross its limit.
	UpSignal, DownSignal bool
	// VLAD is expected minus observed deaths so far.
	VLAD float64
}

// ErrRisk reports an operation whose predicted risk is not strictly
// between 0 and 1: its score would be infinite or undefined.
var ErrRisk = errors.New("stats: predicted risk must be more than 0 and less than 1")

// Run computes both charts and VLAD over ops, in their order, into a
// slice of one point per operation.
func (m Monitor) Run(ops []Operation) ([]MonitorPoint, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	out := make([]MonitorPoint, len(ops))
	lnUp, lnDown := math.Log(m.UpOdds), math.Log(m.DownOdds)
	var up, down, vlad float64
	for i, op := range ops {
		if !(op.Risk > 0 && op.Risk < 1) {
			return nil, fmt.Errorf("operation %d: %w", i+1, ErrRisk)
		}
		pt := &out[i]
		// CUSUMScore, with the logarithms of R taken once.
		pt.UpScore = -math.Log1p((m.UpOdds - 1) * op.Risk)
		pt.DownScore = -math.Log1p((m.DownOdds - 1) * op.Risk)
		y := 0.0
		if op.Died {
			pt.UpScore += lnUp
			pt.DownScore += lnDown
			y = 1
		}
		up = max(0, up+pt.UpScore)
		down = min(0, down-pt.DownScore)
		vlad += op.Risk - y
		pt.Up, pt.Down, pt.VLAD = up, down, vlad
		if up >= m.UpLimit {
			pt.UpSignal, up = true, 0
		}
		if down <= -m.DownLimit {
			pt.DownSignal, down = true, 0
		}
	}
	return out, nil
}
