#!/usr/bin/env Rscript
# funnel.R: the base-R baseline of `outcomes funnel` (risk-adjusted data, the
# default method), vectorised throughout: no loop runs per unit or per group.
#
#   Rscript bench/funnel/funnel.R [--small too_few|test] [--digits shortest|17|15] [-o OUT] FILE
#
# FILE is a canonical CSV (DESIGN.md § Canonical CSV) as bench/funnel/gen
# writes it: a header naming the columns (any order), plain numbers, UTF-8,
# every group risk-adjusted (expected given). The output is the CSV that
# `outcomes funnel FILE` prints (DESIGN.md § Command line): the same 22
# columns in the same order, one row per unit, funnels in (specialty,
# procedure, period) byte order with a group's surgeons before its
# hospitals, units sorted by id, numbers in Go's shortest round-trip form
# (strconv.FormatFloat(x, 'g', -1, 64)), empty where not a number.
#
# Units (outcome.Units): a surgeon's rows are summed into one unit; a
# hospital's unit is its own rows or, in a group with no hospital rows, the
# sum of the rows of the surgeons who name it as their hospital. Expected
# counts are summed as decimals, as the Go code sums them, so they agree to
# the last bit.
#
# Per funnel (group × unit type), STATS.md §1, §2.1, §4.1, §6, §8:
#   target p0 = Σevents / Σcases of its units;  y = O/E
#   ci        = Garwood 95%: qgamma(0.025, O), qgamma(0.025, O+1, upper) over E
#   limits    = exact Poisson with Spiegelhalter's interpolation at E:
#               r = qpois(p, E), α = (F(r) − p)/(F(r) − F(r−1)),
#               max(r − α, 0)/E for p = 0.025, 0.975, 0.001, 0.999
#   band      = line rule, strict (§6.1); too_few when E < 1
#   p_high    = P(X ≥ O), p_low = P(X ≤ O), X ~ Poisson(E)
#   ramr      = y·p0; survival = 1 − ramr
#
# --digits chooses how numbers are written: shortest (the default) gives
# Go's bytes; 17 writes %.17g (lossless, one conversion per number, not the
# shortest); 15 hands the table to R's write.table (15 significant digits,
# as write.csv writes, within 5e-15 relative of the exact values; text
# columns quoted whole where any field needs it). All three agree with Go
# within bench/funnel/compare's tolerance.
#
# --small test (the default) applies STATS.md §8.3 below E = 1, as the Go
# code does: high_alarm when p_high < 0.001, high_alert when < 0.025,
# too_few otherwise, with the test's boundaries as the upper limits;
# --small too_few is the first version's rule (every unit below E = 1
# too_few, line-rule limits), kept to measure what the change moved.
#
# Set FUNNEL_R_TIMES=1 to print the time of each phase on standard error.

args <- commandArgs(trailingOnly = TRUE)
small <- "test"
digits <- "shortest"
out <- ""
file <- character()
while (length(args)) {
  a <- args[1]
  if (a == "--small" && length(args) >= 2) {
    small <- args[2]; args <- args[-(1:2)]
  } else if (a == "--digits" && length(args) >= 2 && args[2] %in% c("shortest", "17", "15")) {
    digits <- args[2]; args <- args[-(1:2)]
  } else if (a == "-o" && length(args) >= 2) {
    out <- args[2]; args <- args[-(1:2)]
  } else {
    file <- c(file, a); args <- args[-1]
  }
}
if (length(file) != 1 || !(small %in% c("too_few", "test"))) {
  cat("usage: Rscript funnel.R [--small too_few|test] [--digits shortest|17|15] [-o OUT] FILE\n", file = stderr())
  quit(status = 2)
}

timing <- nzchar(Sys.getenv("FUNNEL_R_TIMES"))
t0 <- proc.time()[["elapsed"]]
phase <- function(name) {
  if (timing) {
    t <- proc.time()[["elapsed"]]
    cat(sprintf("%-8s %6.3f s\n", name, t - t0), file = stderr())
    t0 <<- t
  }
}

# ---- read -----------------------------------------------------------------
header <- scan(file, what = "", sep = ",", nlines = 1, quiet = TRUE, encoding = "UTF-8")
header <- sub("^\ufeff", "", header)
need <- c("specialty", "period", "unit_type", "unit_id", "cases", "events", "expected")
if (length(miss <- setdiff(need, header))) {
  stop("missing column(s): ", paste(miss, collapse = ", "))
}
what <- rep(list(NULL), length(header)) # NULL: skip the column
names(what) <- header
for (col in intersect(c("specialty", "procedure", "period", "unit_type", "unit_id", "hospital_id"), header)) {
  what[[col]] <- ""
}
what$cases <- integer()
what$events <- integer()
what$expected <- double()
d <- scan(file, what = what, sep = ",", quote = "\"", skip = 1, na.strings = "NA", quiet = TRUE,
          multi.line = FALSE, encoding = "UTF-8")
nr <- length(d$unit_id)
spec <- d$specialty
proc <- if (is.null(d$procedure)) rep("all", nr) else d$procedure
proc[proc == ""] <- "all"
per <- d$period
type <- d$unit_type
uid <- d$unit_id
hid <- if (is.null(d$hospital_id)) rep("", nr) else d$hospital_id
hid[is.na(hid)] <- ""
if (anyNA(d$expected)) stop("crude rows (no expected count): only risk-adjusted data are supported")
phase("read")

# ---- units (outcome.Units) ------------------------------------------------
isS <- type == "surgeon"
isH <- type == "hospital"
hasH <- logical(nr) # the row's group has hospital rows of its own
if (any(isH)) {
  gkey <- paste(spec, proc, per, sep = "\r")
  hasH <- gkey %in% gkey[isH]
}
agg <- which(isS & hid != "" & !hasH) # surgeon rows summed into hospitals
sI <- which(isS)
hI <- which(isH)
# One entry per (row, unit it feeds): the source row, the unit type (1 =
# surgeon, 2 = hospital: a group's surgeons come first), the unit id, and the
# key that orders a unit's rows as Go adds them.
src <- c(sI, hI, agg)
tcode <- rep(c(1L, 2L, 2L), c(length(sI), length(hI), length(agg)))
id <- c(uid[sI], uid[hI], hid[agg])
sec <- c(hid[sI], hid[hI], uid[agg])
o <- order(spec[src], proc[src], per[src], tcode, id, sec, method = "radix")
src <- src[o]; tcode <- tcode[o]; id <- id[o]
sp <- spec[src]; pr <- proc[src]; pe <- per[src]
m <- length(src)
newSet <- c(TRUE, sp[-1] != sp[-m] | pr[-1] != pr[-m] | pe[-1] != pe[-m] | tcode[-1] != tcode[-m])
newUnit <- newSet | c(TRUE, id[-1] != id[-m])
ui <- cumsum(newUnit)
first <- which(newUnit)
N <- as.vector(rowsum(d$cases[src], ui, reorder = FALSE))
O <- as.vector(rowsum(d$events[src], ui, reorder = FALSE))
E <- as.vector(rowsum(d$expected[src], ui, reorder = FALSE)) # in Go's order of addition
# Go sums expected deaths as the decimals they are written as
# (outcome/decimal.go): each x is m/10^k with the fewest decimals k <= 15
# that reads back as x, the m are added as integers and the sum divided
# once, giving the double nearest the exact decimal sum (2.138 + 0.962 is
# 3.1, not 3.0999999999999996). Here every row is brought to the file's
# largest k, which gives the same double while the scaled sums stay below
# 2^53 (they do for published figures); a unit whose rows are not all
# such decimals, or whose scaled sum passes 2^53, keeps the float sum, as
# Go does.
x <- d$expected[src]
k <- rep(NA_integer_, m)
for (j in 0:15) {
  todo <- which(is.na(k))
  if (length(todo) == 0) break
  sc <- x[todo] * 10^j
  ok <- sc < 2^53 & round(sc) / 10^j == x[todo]
  k[todo[ok]] <- j
}
if (!all(is.na(k))) {
  K <- max(k, na.rm = TRUE)
  M <- round(x * 10^k) * 10^(K - k) # exact integers where k is known
  S <- as.vector(rowsum(M, ui, reorder = FALSE))
  exact <- !is.na(S) & S < 2^53
  E[exact] <- S[exact] / 10^K
}
si <- cumsum(newSet)[first] # each unit's funnel
p0 <- (as.vector(rowsum(as.double(O), si, reorder = FALSE)) /
       as.vector(rowsum(as.double(N), si, reorder = FALSE)))[si]
phase("units")

# ---- statistics (STATS.md §2.1, §4.1, §6) ---------------------------------
y <- O / E
pLo <- (1 - 0.95) / 2 # as stats.GarwoodInterval forms it
ciLow <- qgamma(pLo, O) / E # shape 0 gives 0
ciHigh <- qgamma(pLo, O + 1, lower.tail = FALSE) / E
limit <- function(p) {
  r <- qpois(p, E)
  Fr <- ppois(r, E)
  Fm <- ppois(r - 1, E) # 0 for r = 0
  pmax(r - (Fr - p) / (Fr - Fm), 0) / E
}
l95 <- limit(0.025)
u95 <- limit(0.975)
l998 <- limit(0.001)
u998 <- limit(0.999)
pHigh <- ppois(O - 1, E, lower.tail = FALSE) # P(X ≥ O); 1 for O = 0
pLow <- ppois(O, E) # P(X ≤ O)
band <- rep("within", length(y))
band[y < l95] <- "low_alert"
band[y < l998] <- "low_alarm"
band[y > u95] <- "high_alert"
band[y > u998] <- "high_alarm"
tiny <- E < 1 | is.nan(y)
if (small == "test") {
  # Below E = 1 the lines are the exact test's boundaries (k* - 1)/E, k* the
  # smallest count with P(X >= k*) < alpha (at most 6 there), the lower ones
  # 0, and a unit they do not flag is too_few.
  testLine <- function(alpha) {
    line <- rep(NA_real_, sum(tiny))
    e <- E[tiny]
    for (k in 1:12) {
      hit <- is.na(line) & ppois(k - 1, e, lower.tail = FALSE) < alpha
      line[hit] <- (k - 1) / e[hit]
    }
    line
  }
  u95[tiny] <- testLine(0.025)
  u998[tiny] <- testLine(0.001)
  l95[tiny] <- 0
  l998[tiny] <- 0
  band[tiny] <- ifelse(pHigh[tiny] < 0.001, "high_alarm", ifelse(pHigh[tiny] < 0.025, "high_alert", "too_few"))
} else {
  band[tiny] <- "too_few"
}
ramr <- y * p0
surv <- 1 - ramr
phase("stats")

# ---- format and write -----------------------------------------------------
# num is strconv.FormatFloat(x, 'g', -1, 64): the fewest significant digits
# that read back as x, exponent form below 1e-4 (as C's %g) and from 1e6
# (Go's rule for 'g' at shortest precision), "" for NaN and ±Inf. C's %.Ng
# is correctly rounded, so the first N of 15, 16, 17 whose string reads back
# as x gives Go's digits (and %.15g strips to fewer digits where fewer do).
# A %.16g string that reads back with fewer than 16 digits is already the
# shortest (two distinct decimals of at most 15 digits are further apart than
# two neighbouring doubles), so only the ones that use all 16 digits are
# tried at 15. R's as.numeric is not correctly rounded (it reads through a
# long double and rounds twice), so for about 2 numbers in 100,000 it
# accepts a 16-digit string that reads back, in Go or C, one ulp away: those
# cells differ from Go's by one ulp, well within compare's tolerance.
#
# With --digits 17 every number is written as %.17g instead: one conversion
# per number, lossless (reads back as the same double) but not the shortest.
num <- function(x) {
  if (digits == "17") {
    s <- sprintf("%.17g", x)
    s[!is.finite(x)] <- ""
    return(s)
  }
  s <- sprintf("%.16g", x)
  back <- as.numeric(s) == x # NA for NaN
  i <- which(!back)
  if (length(i)) s[i] <- sprintf("%.17g", x[i])
  i <- which(back & nchar(s) >= 17L) # maybe all 16 digits used
  if (length(i)) {
    xi <- x[i]
    s15 <- sprintf("%.15g", xi)
    j <- which(as.numeric(s15) == xi)
    s[i[j]] <- s15[j]
  }
  big <- which(abs(x) >= 1e6 & is.finite(x))
  if (length(big)) {
    xb <- x[big]
    e <- sprintf("%.14e", xb)
    for (k in 15:16) { # at most two more passes over the few large values
      j <- which(as.numeric(e) != xb)
      if (!length(j)) break
      e[j] <- sprintf(paste0("%.", k, "e"), xb[j])
    }
    s[big] <- sub("\\.?0+e", "e", e)
  }
  s[!is.finite(x)] <- ""
  s
}
# field quotes a text column as encoding/csv does (only where needed).
field <- function(x) {
  q <- grepl("[\",\r\n]|^[ \t]", x)
  if (any(q)) x[q] <- paste0("\"", gsub("\"", "\"\"", x[q], fixed = TRUE), "\"")
  x
}
outCols <- c("unit_id", "unit_type", "specialty", "procedure", "period", "cases", "observed", "expected", "target",
            "scale", "y", "ci_low", "ci_high", "lower95", "upper95", "lower998", "upper998", "band", "p_high",
            "p_low", "ramr", "survival")
con <- if (nzchar(out)) file(out, "wb") else stdout()
if (digits == "15") {
  # R's own writer: 15 significant digits, R's choice of fixed or exponent
  # form, text columns quoted where any of their fields needs it.
  cols <- list(id[first], c("surgeon", "hospital")[tcode[first]], sp[first], pr[first], pe[first], N, O, E, p0,
               rep("ratio", length(y)), y, ciLow, ciHigh, l95, u95, l998, u998, band, pHigh, pLow, ramr, surv)
  cols <- lapply(cols, function(x) if (is.double(x)) { x[!is.finite(x)] <- NA; x } else x)
  names(cols) <- outCols
  df <- structure(cols, class = "data.frame", row.names = .set_row_names(length(y)))
  quote <- which(vapply(cols, function(x) is.character(x) && any(grepl("[\",\r\n]|^[ \t]", x)), TRUE))
  phase("format")
  writeLines(paste(outCols, collapse = ","), con)
  write.table(df, con, sep = ",", quote = if (length(quote)) quote else FALSE, na = "", row.names = FALSE,
              col.names = FALSE, eol = "\n")
} else {
  lines <- paste(field(id[first]), c("surgeon", "hospital")[tcode[first]], field(sp[first]), field(pr[first]),
                 field(pe[first]), N, O, num(E), num(p0), "ratio", num(y), num(ciLow), num(ciHigh),
                 num(l95), num(u95), num(l998), num(u998), band, num(pHigh), num(pLow), num(ramr), num(surv),
                 sep = ",")
  phase("format")
  writeLines(c(paste(outCols, collapse = ","), lines), con, useBytes = TRUE)
}
if (nzchar(out)) close(con)
phase("write")
