// Package stats computes the numbers behind the surgeon outcome funnels:
// discrete quantiles, funnel (prediction) limits, a unit's own confidence
// interval, exact one-sided p-values and the overdispersion estimates.
//
// Funnel limits answer "where would a unit of this size fall if its true
// rate were on target". The preferred limits are exact with Spiegelhalter's
// interpolation between the steps of the discrete distribution:
//
//	r = min{k : F(k) ≥ p}
//	α = (F(r) − p) / (F(r) − F(r−1)),  F(−1) = 0
//	limit = r − α
//
// with F the Poisson CDF at the expected count E ([PoissonLimit], plotted
// against E for O/E) or the binomial CDF at n cases and target p0
// ([BinomialLimit]). For reproducing other software there are FunnelPlotR's
// "gamma at E" limits ([GammaAtELimits]), the square-root, log (SHMI) and
// arcsine transformed-scale limits, which also take an additive
// random-effects variance τ² ([SqrtLimits], [LogLimits], [ArcsineLimits]).
//
// A unit's own interval for its count O is exact Garwood ([GarwoodInterval]),
// Byar's approximation ([ByarInterval]) or PHE's mixed rule
// ([MixedInterval]); for a crude proportion, Clopper–Pearson or Wilson.
// [PoissonPValues] and [BinomialPValues] give the exact one-sided tail
// probabilities of the observed count.
//
// Overdispersion is judged from z-scores damped by winsorisation
// ([Winsorize], R type 7 quantiles via [Quantile7]) or SHMI truncation
// ([Truncate], average ranks via [AverageRanks]): the dispersion ratio
// φ = mean z² ([Dispersion]), its χ² test ([DispersionPValue]) and the
// DerSimonian–Laird variance τ² ([Tau2]).
//
// [Funnel] applies these to the units of one comparison group and returns
// each unit's limits, band and p-values (the project's choices, STATS.md §8).
// It also gives each unit its Benjamini–Hochberg q-values among the group
// ([QValues]: how many of the group's flags chance alone could explain) and
// the power of its 95% flag: the smallest number of deaths flagged
// ([PoissonFlagCount], [BinomialFlagCount]), the chance that a true death
// rate 2 or 1.5 times the expected would have been flagged
// ([PoissonPower], [BinomialPower]) and the true ratio flagged with 80%
// power ([PoissonDetectableRatio], [BinomialDetectableRatio]). For
// risk-adjusted groups it gives the empirical-Bayes second figure
// ([Shrink]): each ratio shrunk towards 1 by the group's own spread
// (gamma–Poisson, α by maximum marginal likelihood), its posterior
// interval and reliability, and the group's rankability
// ([GradeRankability]). Each is a second figure beside the funnel's: the
// band is the funnel's alone.
//
// Conventions: level is a two-sided coverage such as 0.95 or 0.998, whose
// tail probabilities are (1 − level)/2 and (1 + level)/2, and z = Φ⁻¹((1 +
// level)/2) is computed exactly rather than rounded as FunnelPlotR does.
// Undefined inputs (NaN, E ≤ 0, p0 outside [0, 1], a level outside (0, 1),
// O > n) give NaN, or −1 from the integer quantile functions; negative
// counts are programmer errors and panic. The package does no I/O.
//
// Sources: Spiegelhalter DJ (2005), Funnel plots for comparing institutional
// performance, Stat Med 24:1185–1202, doi:10.1002/sim.1970 (appendix A.1.1,
// interpolation); Spiegelhalter DJ (2005), Handling over-dispersion of
// performance indicators, Qual Saf Health Care 14:347–351,
// doi:10.1136/qshc.2005.013755; Garwood F (1936), Biometrika 28:437–442;
// Breslow NE and Day NE (1987), Statistical Methods in Cancer Research II
// (Byar's approximation); Clopper CJ and Pearson ES (1934), Biometrika
// 26:404–413; Wilson EB (1927), JASA 22:209–212; DerSimonian R and Laird N
// (1986), Control Clin Trials 7:177–188; R's qpois, qbinom, quantile (type 7)
// and rank; FunnelPlotR 0.6.0 and PHEindicatormethods 2.0.0; Benjamini Y
// and Hochberg Y (1995), J R Stat Soc B 57:289–300; Jones HE, Ohlssen DI and
// Spiegelhalter DJ (2008), J Clin Epidemiol 61:232–240; R's p.adjust. The
// project's statement of every formula, with worked examples, is
// docs/STATS.md.
package stats
