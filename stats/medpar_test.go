package stats_test

import (
	"math"
	"sort"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// poissonIRLS fits a Poisson GLM with log link by iteratively reweighted
// least squares (McCullagh & Nelder): β ← (XᵀWX)⁻¹XᵀWz with μ = exp(Xβ),
// W = diag(μ), z = Xβ + (y − μ)/μ. It returns β and the fitted means.
func poissonIRLS(t *testing.T, x *mat.Dense, y []float64) ([]float64, []float64) {
	t.Helper()
	n, p := x.Dims()
	beta := make([]float64, p)
	var sum float64
	for _, v := range y {
		sum += v
	}
	beta[0] = math.Log(sum / float64(n))
	mu := make([]float64, n)
	for iter := 0; iter < 50; iter++ {
		var xtwx mat.SymDense
		xtwx.ReuseAsSym(p)
		w := mat.NewDense(n, p, nil) // W·X
		zw := mat.NewVecDense(n, nil)
		for i := range n {
			eta := mat.Dot(x.RowView(i), mat.NewVecDense(p, beta))
			mu[i] = math.Exp(eta)
			z := eta + (y[i]-mu[i])/mu[i]
			for j := range p {
				w.Set(i, j, x.At(i, j)*mu[i])
			}
			zw.SetVec(i, z)
		}
		var a mat.Dense
		a.Mul(x.T(), w)
		for i := range p {
			for j := i; j < p; j++ {
				xtwx.SetSym(i, j, a.At(i, j))
			}
		}
		var b mat.VecDense // XᵀWz
		b.MulVec(w.T(), zw)
		var chol mat.Cholesky
		if !chol.Factorize(&xtwx) {
			t.Fatal("IRLS: XᵀWX is not positive definite")
		}
		var next mat.VecDense
		if err := chol.SolveVecTo(&next, &b); err != nil {
			t.Fatal(err)
		}
		change := 0.0
		for j := range p {
			change = math.Max(change, math.Abs(next.AtVec(j)-beta[j]))
			beta[j] = next.AtVec(j)
		}
		if change < 1e-12 {
			break
		}
	}
	for i := range n {
		mu[i] = math.Exp(mat.Dot(x.RowView(i), mat.NewVecDense(p, beta)))
	}
	return beta, mu
}

// TestMedparFunnelPlotR reproduces FunnelPlotR's medpar example (its
// README; ../shared/data/README.md): a Poisson GLM of length of stay,
// observed and expected stay summed per provider (54), then 25 outliers at
// 99.8% with FunnelPlotR's unadjusted gamma-at-E limits (STATS.md §4.2),
// 23 with our exact limits (§4.1), and 9 with the SHMI-style adjustment
// (§4.4 log scale, §5.2 truncation, E rounded to 2 dp).
func TestMedparFunnelPlotR(t *testing.T) {
	rows := readCSV(t, sharedData(t, "medpar/medpar.csv"))
	x := mat.NewDense(len(rows), 6, nil)
	y := make([]float64, len(rows))
	for i, r := range rows {
		typ := number(t, r["type"])
		x.SetRow(i, []float64{1, number(t, r["hmo"]), number(t, r["died"]), number(t, r["age80"]),
			b2f(typ == 2), b2f(typ == 3)})
		y[i] = number(t, r["los"])
	}
	beta, mu := poissonIRLS(t, x, y)

	// Coefficients as R's glm prints them (5 decimals): tolerance half a
	// unit in the last place.
	want := []float64{2.26875, -0.07637, -0.24574, -0.02141, 0.24921, 0.74869}
	for j, w := range want {
		if !scalar.EqualWithinAbs(beta[j], w, 5e-6) {
			t.Errorf("coefficient %d = %.7f, want %.5f (R glm)", j, beta[j], w)
		}
	}
	var pearson float64
	for i := range y {
		pearson += (y[i] - mu[i]) * (y[i] - mu[i]) / mu[i]
	}
	if disp := pearson / float64(len(y)-len(beta)); !scalar.EqualWithinAbs(disp, 6.240501, 5e-7) {
		t.Errorf("Pearson χ²/df = %.7f, want 6.240501 (R 4.2)", disp)
	}

	obs, exp := map[string]float64{}, map[string]float64{}
	for i, r := range rows {
		obs[r["provnum"]] += y[i]
		exp[r["provnum"]] += mu[i]
	}
	if len(obs) != 54 {
		t.Fatalf("providers = %d, want 54", len(obs))
	}
	var ids []string
	for id := range obs {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	outside := func(lo, hi func(e float64) float64) int {
		n := 0
		for _, id := range ids {
			o, e := obs[id], exp[id]
			if r := o / e; r < lo(e) || r > hi(e) {
				n++
			}
		}
		return n
	}
	gammaLo := func(e float64) float64 { l, _ := stats.GammaAtELimits(e, 0.998); return l }
	gammaHi := func(e float64) float64 { _, h := stats.GammaAtELimits(e, 0.998); return h }
	if got := outside(gammaLo, gammaHi); got != 25 {
		t.Errorf("outliers with gamma-at-E limits = %d, want 25 (FunnelPlotR README)", got)
	}
	exactLo := func(e float64) float64 { return stats.PoissonLimit(0.001, e) }
	exactHi := func(e float64) float64 { return stats.PoissonLimit(0.999, e) }
	if got := outside(exactLo, exactHi); got != 23 {
		t.Errorf("outliers with exact limits = %d, want 23 (STATS.md §4.2 / data README)", got)
	}

	// SHMI: E rounded to 2 dp, z = √E·ln(O/E), truncated 10% each end,
	// τ² with weights E, limits exp(∓z√(1/E + τ²)).
	var z, w []float64
	rounded := map[string]float64{}
	for _, id := range ids {
		e := math.Round(exp[id]*100) / 100
		rounded[id] = e
		z = append(z, math.Sqrt(e)*math.Log(obs[id]/e))
	}
	kept := stats.Truncate(z, 0.1)
	keptSet := map[float64]int{}
	for _, v := range kept {
		keptSet[v]++
	}
	for i, id := range ids {
		if keptSet[z[i]] > 0 {
			keptSet[z[i]]--
			w = append(w, rounded[id])
		}
	}
	phi := stats.Dispersion(kept)
	tau2 := stats.Tau2(phi, w)
	n := 0
	for _, id := range ids {
		e := rounded[id]
		lo, hi := stats.LogLimits(e, 0.998, tau2)
		if r := obs[id] / e; r < lo || r > hi {
			n++
		}
	}
	if n != 9 {
		t.Errorf("outliers with SHMI-adjusted limits = %d (φ %.4f, τ² %.6f), want 9 (FunnelPlotR README)", n, phi, tau2)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
