# reference_levels.R -- reference values at levels other than 95% and 99.8%
# (a publisher that rates units by a 98% interval), computed with base R only.
#
# Writes reference_levels.csv beside it (stats/reference_levels_test.go reads it):
#   Rscript reference_levels.R        (run in stats/testdata; R 4.2.2 was used)
#
# Blocks, each at level 98 (p = 0.01 / 0.99) and 90 (p = 0.05 / 0.95):
#   count_ci:  a Poisson count O's interval.
#              limit (Garwood): lower = qgamma(p, O) (0 if O = 0), upper = qgamma(p, O + 1);
#              limit_alt (Byar): lower = O (1 - 1/(9 O) - z/(3 sqrt(O)))^3 (0 if O = 0, floored at 0),
#                                upper = (O + 1) (1 - 1/(9 (O + 1)) + z/(3 sqrt(O + 1)))^3, z = qnorm(1 - p_lower).
#   prop_ci:   Clopper-Pearson for O of n: lower = qbeta(p, O, n - O + 1) (0 if O = 0),
#              upper = qbeta(p, O + 1, n - O) (1 if O = n); limit_alt is binom.test(O, n,
#              conf.level = level)$conf.int, the same interval by R's own test, as a check.
#   pois_funnel: the funnel line for O/E at E: r = qpois(p, E), alpha = (ppois(r, E) - p) /
#              (ppois(r, E) - ppois(r - 1, E)), limit = max(r - alpha, 0) / E (Spiegelhalter 2005).
#   binom_funnel: the same with qbinom/pbinom at n, p0: limit = min(max(r - alpha, 0), n) / n.
# Inputs are printed with 15 significant digits, results with 17.
levels <- c(98, 90)
out <- list()
add <- function(block, n, p0, E, O, level, side, limit, alt) {
  out[[length(out) + 1]] <<- data.frame(block = block, n = n, p0 = p0, E = E, O = O, level = level,
    side = side, limit = limit, limit_alt = alt)
}
f17 <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 17, format = "g")))
f15 <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 15, format = "g")))
for (lv in levels) {
  a <- (1 - lv / 100) / 2
  z <- qnorm(1 - a)
  for (O in c(0, 1, 2, 3, 5, 9, 10, 20, 50, 100, 500)) {
    glo <- if (O == 0) 0 else qgamma(a, O)
    blo <- if (O == 0) 0 else max(0, O * (1 - 1 / (9 * O) - z / (3 * sqrt(O)))^3)
    add("count_ci", NA, NA, NA, O, lv, "lower", glo, blo)
    add("count_ci", NA, NA, NA, O, lv, "upper", qgamma(1 - a, O + 1),
      (O + 1) * (1 - 1 / (9 * (O + 1)) + z / (3 * sqrt(O + 1)))^3)
  }
  for (n in c(1, 10, 57, 300, 2000)) {
    for (O in unique(c(0, 1, round(n * 0.03), round(n / 2), n))) {
      lo <- if (O == 0) 0 else qbeta(a, O, n - O + 1)
      hi <- if (O == n) 1 else qbeta(1 - a, O + 1, n - O)
      bt <- binom.test(O, n, conf.level = lv / 100)$conf.int
      add("prop_ci", n, NA, NA, O, lv, "lower", lo, bt[1])
      add("prop_ci", n, NA, NA, O, lv, "upper", hi, bt[2])
    }
  }
  for (E in c(0.3, 1, 2.5, 4.2, 7.3, 9.5, 10.7, 14, 20, 30, 35, 100, 1000)) {
    for (side in c("lower", "upper")) {
      p <- if (side == "lower") a else 1 - a
      r <- qpois(p, E)
      Fr <- ppois(r, E); Frm1 <- if (r > 0) ppois(r - 1, E) else 0
      add("pois_funnel", NA, NA, E, NA, lv, side, max(r - (Fr - p) / (Fr - Frm1), 0) / E, NA)
    }
  }
  for (n in c(10, 57, 300, 2000)) for (p0 in c(0.02, 0.1)) {
    for (side in c("lower", "upper")) {
      p <- if (side == "lower") a else 1 - a
      r <- qbinom(p, n, p0)
      Fr <- pbinom(r, n, p0); Frm1 <- if (r > 0) pbinom(r - 1, n, p0) else 0
      add("binom_funnel", n, p0, NA, NA, lv, side, min(max(r - (Fr - p) / (Fr - Frm1), 0), n) / n, NA)
    }
  }
}
d <- do.call(rbind, out)
con <- file("reference_levels.csv", "w")
writeLines(c(paste0("# reference_levels.csv -- written by reference_levels.R (", R.version.string, "); see its header."),
  "block,n,p0,E,O,level,side,limit,limit_alt"), con)
for (i in seq_len(nrow(d))) {
  r <- d[i, ]
  writeLines(paste(r$block, f15(r$n), f15(r$p0), f15(r$E), f15(r$O), r$level, r$side, f17(r$limit),
    f17(r$limit_alt), sep = ","), con)
}
close(con)
