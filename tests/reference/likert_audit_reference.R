# Regenerates tests/fixtures/likert_missing_codes.csv and tests/fixtures/likert_audit_reference.json
# (R 4.2.2, psych 2.2.9, GPArotation 2022.10-2, lavaan 0.6-14, semTools 0.5-6, jsonlite;
# Debian bookworm).
# Run from the repository root:  Rscript tests/reference/likert_audit_reference.R
#
# A seeded simulated survey that is not bfi: scale A (6 items, 1-10 response scale, pairs of
# items sharing a specific factor), scale B (5 items, 1-6, B5 reverse-worded in the file) and
# scale C (7 items, 1-6); about 3% blank cells, 2% coded -99, and three rows with no answer.
# References: psych alpha with pairwise deletion (Feldt CI on nrow), omega from raw data with
# NAs (cor(x, use = "pairwise")), omega with 2 and 3 group factors, splitHalf for odd k, and
# lavaan cfa on tests/fixtures/cfa_negative_lv_variance.csv (a one-factor model whose ML
# solution has a negative latent variance) and on Holzinger-Swineford with a single-indicator
# factor (speed =~ x7), ML and MLR, with semTools compRelSEM / AVE / htmt.
suppressPackageStartupMessages({library(psych); library(GPArotation); library(lavaan); library(semTools); library(jsonlite)})
fx <- "tests/fixtures"
set.seed(3003)
n <- 240
f <- rnorm(n); g <- 0.5 * f + sqrt(0.75) * rnorm(n); h <- rnorm(n)
s <- matrix(rnorm(n * 3), n, 3)
cut_to <- function(z, top) pmin(pmax(round(z), 1), top)
A <- sapply(1:6, function(j) cut_to(5.5 + 1.6 * (0.6 * f + 0.45 * s[, (j + 1) %/% 2] + 0.65 * rnorm(n)), 10))
lb <- c(0.75, 0.7, 0.6, 0.5, 0.4)
B <- sapply(1:5, function(j) cut_to(3.5 + 1.2 * (lb[j] * g + sqrt(1 - lb[j]^2) * rnorm(n)), 6))
B[, 5] <- 7 - B[, 5]                       # reverse-worded in the file
lc <- c(0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4)
C <- sapply(1:7, function(j) cut_to(3.5 + 1.2 * (lc[j] * h + sqrt(1 - lc[j]^2) * rnorm(n)), 6))
items <- cbind(A, B, C)
colnames(items) <- c(paste0("A", 1:6), paste0("B", 1:5), paste0("C", 1:7))
u <- matrix(runif(length(items)), nrow(items))
items[u < 0.03] <- NA
items[u >= 0.03 & u < 0.05] <- -99
items[c(10, 50, 200), ] <- NA               # respondents who answered nothing
raw <- data.frame(resp_id = seq_len(n), items, check.names = FALSE)
write.csv(raw, file.path(fx, "likert_missing_codes.csv"), row.names = FALSE, na = "")

x <- raw[, -1]
x[x == -99] <- NA
x$B5 <- 7 - x$B5
scales <- list(A = paste0("A", 1:6), B = paste0("B", 1:5), C = paste0("C", 1:7))
ml_omega <- function(r) {
  l <- as.numeric(fa(r, 1, fm = "ml", warnings = FALSE)$loadings)
  if (sum(l) < 0) l <- -l
  sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
}
q <- function(expr) suppressMessages(suppressWarnings(expr))
out <- list(source = "tests/reference/likert_audit_reference.R")
for (nm in names(scales)) {
  d <- x[, scales[[nm]]]
  lw <- na.omit(d)
  ap <- q(alpha(d, warnings = FALSE))
  al <- q(alpha(lw, warnings = FALSE))
  res <- list(
    nrow = nrow(d), n_listwise = nrow(lw),
    pairwise = list(alpha = ap$total$raw_alpha, std_alpha = ap$total$std.alpha,
                    feldt_lower = ap$feldt$lower.ci[[1]], feldt_upper = ap$feldt$upper.ci[[1]],
                    omega_ml = ml_omega(cor(d, use = "pairwise"))),
    listwise = list(alpha = al$total$raw_alpha, feldt_lower = al$feldt$lower.ci[[1]],
                    feldt_upper = al$feldt$upper.ci[[1]], omega_ml = ml_omega(cor(lw))))
  o2 <- q(omega(lw, nfactors = 2, plot = FALSE))
  res$listwise$omega2 <- list(omega_h = o2$omega_h, omega_total = o2$omega.tot)
  o2p <- q(omega(d, nfactors = 2, plot = FALSE))
  res$pairwise$omega2 <- list(omega_h = o2p$omega_h, omega_total = o2p$omega.tot)
  if (ncol(d) >= 6) {
    o3 <- q(omega(lw, nfactors = 3, plot = FALSE))
    res$listwise$omega3 <- list(omega_h = o3$omega_h, omega_total = o3$omega.tot)
    o3p <- q(omega(d, nfactors = 3, plot = FALSE))
    res$pairwise$omega3 <- list(omega_h = o3p$omega_h, omega_total = o3p$omega.tot)
  }
  sh <- q(splitHalf(lw, brute = TRUE))
  res$listwise$split_half <- list(max = sh$maxrb, min = sh$minrb, meanr = sh$meanr)
  out[[nm]] <- res
}

w <- read.csv(file.path(fx, "cfa_negative_lv_variance.csv"))
warn <- character(0)
fit <- withCallingHandlers(cfa("W =~ w1 + w2 + w3 + w4", data = w),
  warning = function(c) { warn <<- c(warn, conditionMessage(c)); invokeRestart("muffleWarning") })
fm <- fitMeasures(fit)
pe <- parameterEstimates(fit)
out$cfa_negative_lv_variance <- list(
  fit = as.list(setNames(as.numeric(fm), names(fm))),
  converged = lavInspect(fit, "converged"),
  estimates = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est),
  warnings = warn)
# a factor with a single indicator: lavaan fixes its residual variance at 0 (auto.fix.single)
hs <- read.csv(file.path(fx, "holzinger_swineford_1939.csv"))
single <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7"
for (est in c("ML", "MLR")) {
  fit <- cfa(single, data = hs, estimator = est)
  fm <- fitMeasures(fit)
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  out[[paste0("cfa_single_indicator_", est)]] <- list(
    fit = as.list(setNames(as.numeric(fm), names(fm))),
    estimates = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se,
                           std_all = ss$est.std),
    cr = as.list(compRelSEM(fit)), ave = as.list(AVE(fit)),
    htmt = tryCatch(unclass(htmt(single, data = hs)), error = function(e) conditionMessage(e)))
}
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
      file.path(fx, "likert_audit_reference.json"))
