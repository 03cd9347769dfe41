# qvalue_power_reference.R -- reference values for stats/qvalue.go and stats/power.go,
# computed with base R only, independently of the Go code.
#
# Writes qvalue_power_reference.csv beside it (stats/qvalue_power_test.go reads it):
#   Rscript qvalue_power_reference.R        (run in stats/testdata; R 4.2.2 was used)
#
# Columns: block,name,i,n,p0,E,p,c,ratio,value; a column a block does not use is empty.
#   bh:            p.adjust(p, "BH") of the vector `name`; i is the position (from 1), p the
#                  p-value (empty for NA/NaN), value the q-value (empty when NA).
#   pois_flag:     c, the smallest count the funnel flags high at 95% at E. From E = 1 the
#                  line rule: r = qpois(0.975, E), alpha = (ppois(r, E) - 0.975) /
#                  (ppois(r, E) - ppois(r - 1, E)), line = max(r - alpha, 0) (count scale,
#                  STATS.md 4.1), c = floor(line) + 1, the smallest integer strictly above it.
#                  Below E = 1 the exact test (STATS.md 8.3): the smallest k >= 1 with
#                  ppois(k - 1, E, lower.tail = FALSE) < 0.025.
#   pois_power:    value = ppois(c - 1, ratio * E, lower.tail = FALSE), at ratio 1.5 and 2.
#   pois_detect80: value = qgamma(0.8, c) / E, the true ratio flagged with 80% power.
#   binom_flag, binom_power, binom_detect80: the same for n cases around p0: line =
#                  min(max(r - alpha, 0), n) with qbinom/pbinom (STATS.md 3.2) from n p0 = 1,
#                  the exact binomial test below; c = n + 1 when no count up to n is flagged;
#                  power = pbinom(c - 1, n, min(ratio p0, 1), lower.tail = FALSE) (0 when c > n),
#                  detect80 = qbeta(0.8, c, n - c + 1) / p0 (Inf when c > n).
# Inputs are printed with 17 significant digits (p must round-trip), results with 17.
f17 <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 17, format = "g")))
rows <- list()
add <- function(block, name = NA, i = NA, n = NA, p0 = NA, E = NA, p = NA, c = NA, ratio = NA, value = NA) {
  rows[[length(rows) + 1]] <<- data.frame(block = block, name = ifelse(is.na(name), "", name),
    i = ifelse(is.na(i), "", i), n = ifelse(is.na(n), "", n), p0 = f17(p0), E = f17(E), p = f17(p),
    c = ifelse(is.na(c), "", c), ratio = f17(ratio), value = ifelse(is.infinite(value), "Inf", f17(value)))
}

# Benjamini-Hochberg.
set.seed(17)
E <- exp(runif(300, log(0.2), log(100)))
O <- rpois(300, E * rgamma(300, shape = 8, rate = 8))
funnel <- ppois(O - 1, E, lower.tail = FALSE)
vectors <- list(
  ties = c(0.01, 0.02, 0.02, 0.02, 0.04, 0.3, 0.3, 0.9),
  missing = c(0.005, NA, 0.03, NaN, 0.2, 0.01),
  one = c(0.03),
  all_ones = rep(1, 5),
  zeros_unsorted = c(0.5, 0, 0.001, 1, 0.049, 0),
  tiny = c(1e-300, 2e-300, 5e-17, 0.7),
  funnel_300 = funnel
)
for (nm in names(vectors)) {
  p <- vectors[[nm]]
  q <- p.adjust(p, "BH")
  for (i in seq_along(p)) add("bh", name = nm, i = i, p = p[i], value = q[i])
}

# Poisson.
poisFlag <- function(E) {
  if (E < 1) {
    k <- 1
    while (ppois(k - 1, E, lower.tail = FALSE) >= 0.025) k <- k + 1
    return(k)
  }
  r <- qpois(0.975, E)
  alpha <- (ppois(r, E) - 0.975) / (ppois(r, E) - ppois(r - 1, E))
  floor(max(r - alpha, 0)) + 1
}
for (E in c(0.03, 0.2, 0.5, 0.9, 1, 1.5, 2, 3.3, 5, 10, 13.2, 20, 50, 100, 500, 1000)) {
  c <- poisFlag(E)
  add("pois_flag", E = E, c = c)
  for (R in c(1.5, 2)) add("pois_power", E = E, c = c, ratio = R, value = ppois(c - 1, R * E, lower.tail = FALSE))
  add("pois_detect80", E = E, c = c, value = qgamma(0.8, c) / E)
}

# Binomial.
binomFlag <- function(n, p0) {
  if (n * p0 < 1) {
    for (k in 1:n) if (pbinom(k - 1, n, p0, lower.tail = FALSE) < 0.025) return(k)
    return(n + 1)
  }
  r <- qbinom(0.975, n, p0)
  alpha <- (pbinom(r, n, p0) - 0.975) / (pbinom(r, n, p0) - pbinom(r - 1, n, p0))
  c <- floor(min(max(r - alpha, 0), n)) + 1
  min(c, n + 1)
}
for (np in list(c(1, 0.1), c(2, 0.02), c(10, 0.02), c(30, 0.02), c(10, 0.1), c(30, 0.1), c(100, 0.02),
                c(100, 0.1), c(300, 0.033), c(1000, 0.02), c(5000, 0.033), c(40, 0.5))) {
  n <- np[1]; p0 <- np[2]
  c <- binomFlag(n, p0)
  add("binom_flag", n = n, p0 = p0, c = c)
  for (R in c(1.5, 2)) {
    pw <- if (c > n) 0 else pbinom(c - 1, n, min(R * p0, 1), lower.tail = FALSE)
    add("binom_power", n = n, p0 = p0, c = c, ratio = R, value = pw)
  }
  add("binom_detect80", n = n, p0 = p0, c = c, value = if (c > n) Inf else qbeta(0.8, c, n - c + 1) / p0)
}

out <- do.call(rbind, rows)
con <- file("qvalue_power_reference.csv", "w")
writeLines(sprintf("# qvalue_power_reference.csv -- written by qvalue_power_reference.R (%s); see its header.",
  R.version.string), con)
write.csv(out, con, row.names = FALSE, quote = FALSE)
close(con)
