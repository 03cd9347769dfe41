# exact-funnel.R: the funnel figures of STATS.md, written once in base R as
# an independent check on the Go code (stats/, outcome/). Sourced by each
# fixture's compute.R; it reads and writes nothing itself.
#
# For one group of units (one specialty, procedure and period):
#   target p0 = sum(O) / sum(n)                            (STATS.md §0)
#   with expected deaths E: y = ratio = O/E, RAMR = ratio * p0,
#     interval: exact Garwood 95% on O, divided by E     (§2.1)
#     limits: exact Poisson with Spiegelhalter's interpolation at E (§4.1)
#   without (crude): y = RAMR = O/n,
#     interval: Clopper-Pearson 95%                      (§2.4)
#     limits: exact binomial with interpolation at n around p0 (§3.2)
#   band: the line rule, strictly beyond a line (§6.1); below E = 1 (crude:
#     n*p0 < 1) the exact one-sided test instead, the upper lines being its
#     boundaries (k*-1)/size and the lower ones 0, and an unflagged unit
#     too_few (§8.3).

interp_limit <- function(p, cdf, quantile) {
  r <- quantile(p)
  fr <- cdf(r)
  fr1 <- if (r > 0) cdf(r - 1) else 0
  r - (fr - p) / (fr - fr1)
}

poisson_limit <- function(p, e) {
  max(interp_limit(p, function(k) ppois(k, e), function(q) qpois(q, e)), 0) / e
}

binomial_limit <- function(p, n, p0) {
  l <- interp_limit(p, function(k) pbinom(k, n, p0), function(q) qbinom(q, n, p0))
  min(max(l, 0), n) / n
}

# test_line is the boundary (k*-1)/size of the one-sided test at level
# alpha, k* the smallest count k >= 1 whose upper tail P(X >= k) is below
# alpha (at most max_count; beyond it the line is max_count/size).
test_line <- function(alpha, upper_tail, max_count, size) {
  k <- 1
  while (k <= max_count) {
    if (upper_tail(k) < alpha) return((k - 1) / size)
    k <- k + 1
  }
  max_count / size
}

band_of <- function(y, lo95, up95, lo998, up998, small) {
  b <- if (y > up998) "high_alarm" else if (y > up95) "high_alert" else
    if (y < lo998) "low_alarm" else if (y < lo95) "low_alert" else "within"
  if (small && b == "within") "too_few" else b
}

# funnel returns one row of figures per unit. o and n are counts; e is the
# expected deaths, or NULL for crude data.
funnel <- function(o, n, e = NULL) {
  p0 <- sum(o) / sum(n)
  rows <- lapply(seq_along(o), function(i) {
    if (!is.null(e)) {
      ei <- e[i]
      y <- o[i] / ei
      ratio <- y
      ramr <- y * p0
      ci_low <- if (o[i] == 0) 0 else qgamma(0.025, o[i]) / ei
      ci_high <- qgamma(0.975, o[i] + 1) / ei
      small <- ei < 1
      if (small) {
        tail <- function(k) ppois(k - 1, ei, lower.tail = FALSE)
        lim <- c(0, test_line(0.025, tail, Inf, ei), 0, test_line(0.001, tail, Inf, ei))
      } else {
        lim <- c(poisson_limit(0.025, ei), poisson_limit(0.975, ei),
                 poisson_limit(0.001, ei), poisson_limit(0.999, ei))
      }
    } else {
      ni <- n[i]
      y <- o[i] / ni
      ratio <- NA
      ramr <- y
      ci_low <- if (o[i] == 0) 0 else qbeta(0.025, o[i], ni - o[i] + 1)
      ci_high <- if (o[i] == ni) 1 else qbeta(0.975, o[i] + 1, ni - o[i])
      small <- ni * p0 < 1
      if (small) {
        tail <- function(k) pbinom(k - 1, ni, p0, lower.tail = FALSE)
        lim <- c(0, test_line(0.025, tail, ni, ni), 0, test_line(0.001, tail, ni, ni))
      } else {
        lim <- c(binomial_limit(0.025, ni, p0), binomial_limit(0.975, ni, p0),
                 binomial_limit(0.001, ni, p0), binomial_limit(0.999, ni, p0))
      }
    }
    data.frame(target = p0, y = y, ratio = ratio, ramr = ramr, ci_low = ci_low, ci_high = ci_high,
               lower95 = lim[1], upper95 = lim[2], lower998 = lim[3], upper998 = lim[4],
               band = band_of(y, lim[1], lim[2], lim[3], lim[4], small))
  })
  do.call(rbind, rows)
}

# write_expected writes the figures with 17 significant digits, so that
# they read back as the doubles R computed; NA is written empty.
write_expected <- function(d, file) {
  num <- vapply(d, function(x) is.numeric(x) || all(is.na(x)), logical(1))
  d[num] <- lapply(d[num], function(x) ifelse(is.na(x), "", sprintf("%.17g", as.numeric(x))))
  write.csv(d, file, row.names = FALSE, quote = FALSE)
}
