# shrink_reference.R -- an independent fit of the gamma-Poisson empirical-Bayes
# shrinkage (stats/shrink.go), computed once with R and MASS.
#
# Writes shrink_reference.csv beside it (stats/shrink_test.go reads it):
#   Rscript shrink_reference.R        (run in stats/testdata; R 4.2.2, MASS 7.3-58.2 were used)
# It reads five groups of the demo release (../../demo/*.csv, one row a unit) and
# LearnBayes' hearttransplants (../../../shared/data/hearttransplants-LearnBayes).
#
# Model: O_i ~ Poisson(E_i theta_i), theta_i ~ Gamma(shape alpha, rate alpha) (mean 1),
# so O_i is negative binomial with size alpha and mean E_i:
#   dnbinom(O_i, size = alpha, mu = E_i).
# hearttransplants gives an exposure e (not an expected count) and deaths y; its expected
# counts are E_i = e_i * sum(y) / sum(e) (indirect standardisation to the pooled rate), so
# that theta has mean 1 as in the demo.
#
# Per group:
#   alpha_optim  optim(method = "Brent") of -sum(dnbinom(O, size = exp(u), mu = E, log = TRUE))
#                over u = log(alpha) in [-10, log(1e8)]; "no_variation" (alpha = Inf) when the
#                maximum does not beat the Poisson log-likelihood sum(dpois(O, E, log = TRUE))
#                (the alpha -> Inf limit) or lies at the upper end (alpha = 1e8, the cap that
#                stats.Shrink also uses); "no_deaths" when every O is 0 (alpha empty).
#   alpha        optim's answer polished by uniroot on the score
#                sum(digamma(alpha + O) - digamma(alpha) + log(alpha) + 1 - log(alpha + E)
#                    - (alpha + O) / (alpha + E)) = 0, within 1% of it.
#   alpha_alt    MASS::theta.ml(O, mu = E): the same fixed-mean model fitted by MASS (its
#                theta is alpha); empty where it fails (no interior maximum).
#   alpha_glmnb, log_mu_glmnb  MASS::glm.nb(O ~ 1 + offset(log(E))): a different model, with
#                an intercept log(mu) (theta_i ~ Gamma mean mu), given for comparison only.
#   tau2         1 / alpha;  rankability tau2 / (tau2 + median(1 / E)) (van Dishoeck 2011).
# Per unit (alpha from optim):
#   shrunk       (alpha + O) / (alpha + E)
#   low, high    qgamma(c(0.025, 0.975), shape = alpha + O, rate = alpha + E)
#   reliability  E / (E + alpha)
#   With no_variation: shrunk = low = high = 1, reliability = 0 (the alpha -> Inf limit).
# Numbers are printed with 17 significant digits.
suppressMessages(library(MASS))

f17 <- function(x) ifelse(is.na(x), "", ifelse(is.infinite(x), "Inf", trimws(formatC(x, digits = 17, format = "g"))))

fit <- function(name, unit, o, e) {
  nll <- function(u) -sum(dnbinom(o, size = exp(u), mu = e, log = TRUE))
  pois <- sum(dpois(o, e, log = TRUE))
  opt <- optim(0, nll, method = "Brent", lower = -10, upper = log(1e8), control = list(reltol = 1e-15))
  status <- "interior"
  alpha <- NA
  if (all(o == 0)) {
    status <- "no_deaths"
  } else if (-opt$value <= pois || opt$par > log(1e8) - 1e-3) {
    status <- "no_variation"
    alpha <- Inf
  } else {
    # Brent's answer is good to about 1e-7; polish it on the score, written with digamma.
    score <- function(a) sum(digamma(a + o) - digamma(a) + log(a) + 1 - log(a + e) - (a + o) / (a + e))
    a0 <- exp(opt$par)
    alpha <- uniroot(score, c(a0 / 1.01, a0 * 1.01), tol = 1e-15 * a0)$root
  }
  # MASS fails (NaN in its Newton step) when alpha runs off to infinity: NA then.
  alt <- tryCatch(suppressWarnings(theta.ml(o, e, limit = 200, eps = 1e-13)), error = function(err) NA)
  nb <- tryCatch(suppressWarnings(glm.nb(o ~ 1 + offset(log(e)),
    control = glm.control(epsilon = 1e-13, maxit = 200))), error = function(err) NULL)
  nbTheta <- if (is.null(nb)) NA else nb$theta
  nbMu <- if (is.null(nb)) NA else unname(coef(nb)[1])
  tau2 <- 1 / alpha
  rank <- tau2 / (tau2 + median(1 / e))
  group <- data.frame(block = "group", dataset = name, unit = "", o = NA, e = NA, fit = status,
    alpha = f17(alpha), alpha_optim = f17(if (status == "interior") exp(opt$par) else NA), alpha_alt = f17(as.numeric(alt)), alpha_glmnb = f17(nbTheta),
    log_mu_glmnb = f17(nbMu), tau2 = f17(tau2), rankability = f17(rank),
    shrunk = "", low = "", high = "", reliability = "")
  if (status == "interior") {
    shrunk <- (alpha + o) / (alpha + e)
    low <- qgamma(0.025, shape = alpha + o, rate = alpha + e)
    high <- qgamma(0.975, shape = alpha + o, rate = alpha + e)
    rel <- e / (e + alpha)
  } else if (status == "no_variation") {
    shrunk <- low <- high <- rep(1, length(o))
    rel <- rep(0, length(o))
  } else {
    shrunk <- low <- high <- rel <- rep(NA, length(o))
  }
  units <- data.frame(block = "unit", dataset = name, unit = unit, o = o, e = f17(e), fit = "",
    alpha = "", alpha_optim = "", alpha_alt = "", alpha_glmnb = "", log_mu_glmnb = "", tau2 = "", rankability = "",
    shrunk = f17(shrunk), low = f17(low), high = f17(high), reliability = f17(rel))
  rbind(group, units)
}

demo <- function(file, procedure, period) {
  d <- read.csv(file.path("..", "..", "demo", file), colClasses = "character")
  d <- d[d$procedure == procedure & d$period == period, ]
  name <- paste(d$specialty[1], procedure, period, sep = "/")
  fit(name, paste(d$unit_id, d$hospital_id, sep = "@"), as.numeric(d$events), as.numeric(d$expected))
}

out <- list(
  # strong variation (moment estimate of alpha about 1.6)
  demo("adult-cardiac.csv", "all", "2022-04/2025-03"),
  # moderate variation
  demo("colorectal.csv", "bowel-cancer", "2022-04/2025-03"),
  # tiny expected counts (E 0.01 to 0.23), 8 deaths among 75 surgeons
  demo("bariatric.csv", "all", "2021-04/2024-03"),
  # less spread than Poisson: no interior maximum
  demo("interventional-cardiology.csv", "tavi", "2021-04/2024-03"),
  # barely more spread than Poisson: alpha large
  demo("vascular.csv", "evar", "2022-04/2025-03")
)
ht <- file.path("..", "..", "..", "shared", "data", "hearttransplants-LearnBayes", "hearttransplants.csv")
h <- read.csv(ht)
out[[length(out) + 1]] <- fit("hearttransplants", as.character(seq_len(nrow(h))), h$y,
  h$e * sum(h$y) / sum(h$e))

con <- file("shrink_reference.csv", "w")
writeLines(paste0("# shrink_reference.csv -- written by shrink_reference.R (", R.version.string,
  ", MASS ", packageVersion("MASS"), "): Rscript shrink_reference.R in stats/testdata; see its header."), con)
write.csv(do.call(rbind, out), con, row.names = FALSE, quote = FALSE, na = "")
close(con)
