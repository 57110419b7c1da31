# Regenerates tests/fixtures/cfa_lavaan_reference.json (+ the simulated CSVs it uses).
# R 4.2.2, lavaan 0.6-14, semTools 0.5-6, psychTools 2.2.9 (Debian bookworm packages).
# Run from the repository root:  Rscript tests/reference/cfa_reference.R
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})
fx <- "tests/fixtures"

fit_measures <- function(fit) {
  fm <- fitMeasures(fit)
  as.list(setNames(as.numeric(fm), names(fm)))
}
std_table <- function(fit) {
  ss <- standardizedSolution(fit)
  pe <- parameterEstimates(fit)
  ss <- ss[ss$op %in% c("=~", "~~"), ]
  pe <- pe[pe$op %in% c("=~", "~~"), ]
  data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se,
             std_all = ss$est.std, std_se = ss$se)
}
catch_warnings <- function(expr) {
  w <- character(0)
  val <- withCallingHandlers(expr, warning = function(c) {
    w <<- c(w, conditionMessage(c)); invokeRestart("muffleWarning")
  })
  list(value = val, warnings = w)
}
reliability_of <- function(fit) {
  # CR and AVE from standardized loadings (the semTools-style definitions used in the package)
  ss <- standardizedSolution(fit)
  load <- ss[ss$op == "=~", ]
  res <- ss[ss$op == "~~" & ss$lhs == ss$rhs & ss$lhs %in% load$rhs, ]
  out <- list()
  for (f in unique(load$lhs)) {
    l <- load$est.std[load$lhs == f]
    th <- res$est.std[match(load$rhs[load$lhs == f], res$lhs)]
    out[[f]] <- list(cr = sum(l)^2 / (sum(l)^2 + sum(th)), ave = mean(l^2))
  }
  out$semtools_cr <- as.list(compRelSEM(fit))   # obs.var = TRUE: denominator 1'S1
  out$semtools_ave <- as.list(AVE(fit))          # sum(lambda^2 phi) / sum(diag(S))
  out
}

out <- list(source = paste0("R ", R.version$major, ".", R.version$minor,
                            ", lavaan ", packageVersion("lavaan"),
                            ", semTools ", packageVersion("semTools"),
                            "; script tests/reference/cfa_reference.R"))

## 1. Holzinger-Swineford: ML and MLR, parameter table, HTMT ------------------------------
hs_model <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
hs <- HolzingerSwineford1939
fit_ml <- cfa(hs_model, data = hs)
fit_mlr <- cfa(hs_model, data = hs, estimator = "MLR")
fit_stdlv <- cfa(hs_model, data = hs, std.lv = TRUE)
out$holzinger_swineford <- list(
  fit_ml = fit_measures(fit_ml),
  fit_mlr = fit_measures(fit_mlr),
  params_ml = std_table(fit_ml),
  params_mlr = std_table(fit_mlr),
  params_std_lv = std_table(fit_stdlv),
  htmt = unclass(htmt(hs_model, data = hs)),  # semTools 0.5-6 default: htmt2 = TRUE (geometric)
  htmt_arithmetic = unclass(htmt(hs_model, data = hs, htmt2 = FALSE)),
  reliability = reliability_of(fit_ml)
)

## 2. bfi: five factors x five items, reversed items as 7 - x, complete cases ---------------
bfi <- read.csv(file.path(fx, "bfi.csv"))
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
bfi <- bfi[complete.cases(bfi[, items]), items]
for (v in c("A1", "C4", "C5", "E1", "E2", "O2", "O5")) bfi[[v]] <- 7 - bfi[[v]]
bfi_model <- paste(
  "agree =~ A1 + A2 + A3 + A4 + A5",
  "consc =~ C1 + C2 + C3 + C4 + C5",
  "extra =~ E1 + E2 + E3 + E4 + E5",
  "neuro =~ N1 + N2 + N3 + N4 + N5",
  "open =~ O1 + O2 + O3 + O4 + O5", sep = "\n")
fit_bfi <- cfa(bfi_model, data = bfi)
fit_bfi_mlr <- cfa(bfi_model, data = bfi, estimator = "MLR")
out$bfi <- list(
  model = bfi_model, n = nrow(bfi),
  fit_ml = fit_measures(fit_bfi),
  fit_mlr = fit_measures(fit_bfi_mlr),
  params_ml = std_table(fit_bfi),
  htmt = unclass(htmt(bfi_model, data = bfi)),
  htmt_arithmetic = unclass(htmt(bfi_model, data = bfi, htmt2 = FALSE)),
  reliability = reliability_of(fit_bfi)
)

## 3. A latent covariance matrix that is not positive definite ------------------------------
# Two factors whose true correlation is .98, three items each (loadings .6-.7), n = 60:
# search seeds until lavaan warns about the latent covariance matrix.
sim_two_factor <- function(n, r, seed) {
  set.seed(seed)
  f <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, r, r, 1), 2))
  lam <- c(.7, .6, .65)
  y <- cbind(f[, 1] %o% lam, f[, 2] %o% lam)
  y <- y + matrix(rnorm(n * 6), n) %*% diag(sqrt(1 - c(lam, lam)^2))
  colnames(y) <- c("a1", "a2", "a3", "b1", "b2", "b3")
  round(as.data.frame(y), 4)
}
npd_model <- "fa =~ a1 + a2 + a3\n fb =~ b1 + b2 + b3"
for (seed in 1:500) {
  d <- sim_two_factor(60, 0.98, seed)
  r <- catch_warnings(cfa(npd_model, data = d))
  if (any(grepl("not positive definite", r$warnings)) &&
      !any(grepl("variances are negative", r$warnings)) && lavInspect(r$value, "converged")) break
}
write.csv(d, file.path(fx, "cfa_nonpd_latent.csv"), row.names = FALSE)
out$nonpd_latent <- list(
  seed = seed, model = npd_model, warnings = r$warnings,
  fit_ml = fit_measures(r$value), params_ml = std_table(r$value),
  reliability = reliability_of(r$value),
  htmt = unclass(htmt(npd_model, data = d)),
  cov_lv = unclass(lavInspect(r$value, "cov.lv")),
  cor_lv = unclass(lavInspect(r$value, "cor.lv"))
)

## 4. A Heywood case: a negative residual variance ------------------------------------------
sim_heywood <- function(n, seed) {
  set.seed(seed)
  f <- rnorm(n)
  lam <- c(.95, .5, .45, .4)
  y <- f %o% lam + matrix(rnorm(n * 4), n) %*% diag(sqrt(1 - lam^2))
  colnames(y) <- paste0("h", 1:4)
  round(as.data.frame(y), 4)
}
hey_model <- "f =~ h1 + h2 + h3 + h4"
for (seed in 1:500) {
  d <- sim_heywood(50, seed)
  r <- catch_warnings(cfa(hey_model, data = d))
  if (any(grepl("ov variances are negative", r$warnings)) && lavInspect(r$value, "converged")) break
}
write.csv(d, file.path(fx, "cfa_heywood.csv"), row.names = FALSE)
out$heywood <- list(
  seed = seed, model = hey_model, warnings = r$warnings,
  fit_ml = fit_measures(r$value), params_ml = std_table(r$value)
)

## 5. A just-identified model (df = 0): lavaan's conventions for the fit measures ------------
fit_ji <- cfa("visual =~ x1 + x2 + x3", data = hs)
out$just_identified <- list(model = "visual =~ x1 + x2 + x3", fit_ml = fit_measures(fit_ji),
                            params_ml = std_table(fit_ji))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(fx, "cfa_lavaan_reference.json"))
