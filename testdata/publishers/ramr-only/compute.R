# Independent figures for ramr-only/isolated-cabg.csv (invented data),
# written to expected.csv beside it. Run once from this directory:
#
#   Rscript compute.R
#
# The file gives observed deaths O, operations, each hospital's
# risk-adjusted mortality rate RAMR (per 100) and the statewide rate p0
# (2.27 per 100), but no expected deaths. Since RAMR = O/E × p0, the
# expected deaths are E = O × p0 / RAMR wherever O > 0. Where O = 0 the
# RAMR is 0 whatever E is, so E cannot be recovered: the hospital is
# "not_assessable", with no E, ratio, interval or verdict (NA). For the
# others: the ratio O/E; RAMR as a proportion (O/E × p0 / 100); the exact
# (Garwood) 95% interval of O/E, qchisq(0.025, 2O)/2/E to
# qchisq(0.975, 2O + 2)/2/E; and the verdict by that interval: "higher"
# when it lies above 1, "lower" below, else "not_different".
d <- read.csv("isolated-cabg.csv", check.names = FALSE, colClasses = "character")
o <- as.numeric(d$Deaths)
ramr <- as.numeric(d[["Risk-Adjusted Mortality Rate"]])
p0 <- as.numeric(d[["Statewide Mortality Rate"]])
assessable <- o > 0
e <- ifelse(assessable, o * p0 / ramr, NA)
ratio <- o / e
lo <- ifelse(o == 0, 0, qchisq(0.025, 2 * o) / 2) / e
hi <- qchisq(0.975, 2 * o + 2) / 2 / e
verdict <- ifelse(!assessable, "not_assessed", ifelse(lo > 1, "higher", ifelse(hi < 1, "lower", "not_different")))
out <- data.frame(unit_id = d[["Facility Code"]], period = d$Years, cases = as.numeric(d$Operations),
  observed = o, target = p0 / 100, expected = e, ratio = ratio, ramr = ratio * p0 / 100,
  ci_low = lo, ci_high = hi, verdict = verdict, published_rating = d$Rating)
# 15 significant digits; an empty cell where a figure is undefined.
num15 <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 15, format = "g")))
out[] <- lapply(out, function(x) if (is.numeric(x)) num15(x) else x)
write.csv(out, "expected.csv", row.names = FALSE, quote = FALSE)
