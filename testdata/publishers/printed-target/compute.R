# Independent figures for printed-target/cabg-hospitals.csv (invented data),
# written to expected.csv beside it. Run once from this directory:
#
#   Rscript compute.R
#
# The target of each year is the publisher's printed statewide rate (the
# STATEWIDE row's "Statewide Mortality Rate (%)": 2.31 in 2022, 2.27 in
# 2023), not its counts' rate (351/15,200 = 2.3092%, 341/14,995 = 2.2741%).
# For each hospital: expected deaths E = cases × expected rate / 100; the
# ratio O/E; the risk-adjusted rate RAMR = O/E × p0 (a proportion); the
# exact (Garwood) 95% interval of O/E, qchisq(0.025, 2O)/2/E to
# qchisq(0.975, 2O + 2)/2/E; and the verdict by that interval: "higher"
# when it lies above 1, "lower" below, else "not_different". ramr_counts is
# the RAMR had the counts' rate been the target, to show what the printed
# rate changes.
d <- read.csv("cabg-hospitals.csv", check.names = FALSE, colClasses = "character")
num <- function(x) as.numeric(gsub(",", "", x))
state <- d[d[["Hospital ID"]] == "STATEWIDE", ]
h <- d[d[["Hospital ID"]] != "STATEWIDE", ]
p0 <- num(state[["Statewide Mortality Rate (%)"]][match(h$Year, state$Year)]) / 100
p0_counts <- (num(state$Deaths) / num(state$Cases))[match(h$Year, state$Year)]
n <- num(h$Cases); o <- num(h$Deaths)
e <- n * num(h[["Expected Mortality Rate (%)"]]) / 100
ratio <- o / e
lo <- ifelse(o == 0, 0, qchisq(0.025, 2 * o) / 2) / e
hi <- qchisq(0.975, 2 * o + 2) / 2 / e
verdict <- ifelse(lo > 1, "higher", ifelse(hi < 1, "lower", "not_different"))
out <- data.frame(unit_id = h[["Hospital ID"]], period = h$Year, cases = n, observed = o,
  target = p0, expected = e, ratio = ratio, ramr = ratio * p0, ci_low = lo, ci_high = hi,
  verdict = verdict, ramr_counts = ratio * p0_counts, published_rating = h$Performance)
# 15 significant digits; an empty cell where a figure is undefined.
num15 <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 15, format = "g")))
out[] <- lapply(out, function(x) if (is.numeric(x)) num15(x) else x)
write.csv(out, "expected.csv", row.names = FALSE, quote = FALSE)
