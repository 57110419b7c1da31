# Regenerates tests/fixtures/sem_models_reference.json and tests/fixtures/sem_mediation.csv:
# lavaan references for crm_research.sem.sem / invariance beyond the two shared files.
# R 4.2.2, lavaan 0.6-14 (Debian bookworm packages). Run from the repository root:
#   Rscript tests/reference/sem_models_reference.R
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
fx <- "tests/fixtures"

fit_of <- function(fit) {
  fm <- fitMeasures(fit)
  as.list(setNames(as.numeric(fm), names(fm)))
}
params_of <- function(fit) {
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit)
  lab <- if (is.null(pe$label)) rep("", nrow(pe)) else pe$label
  out <- data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, label = lab,
                    est = pe$est, se = pe$se, std_all = ss$est.std, std_se = ss$se)
  if (!is.null(pe$group)) out$group <- pe$group
  out
}
entry <- function(fit, model, extra = list()) {
  c(list(model = model, fit = fit_of(fit), parameters = params_of(fit),
         r2 = as.list(lavInspect(fit, "r2")), converged = lavInspect(fit, "converged")),
    extra)
}
out <- list(source = paste0("R ", R.version$major, ".", R.version$minor, ", lavaan ",
                            packageVersion("lavaan"),
                            "; script tests/reference/sem_models_reference.R"))

## 1. Observed mediation x -> m -> y with a covariate w (fixed.x), simulated, seeded -------
set.seed(1401)
n <- 250
x <- rnorm(n); w <- rnorm(n) + 0.3 * x
m <- 0.5 * x + 0.2 * w + rnorm(n)
y <- 0.4 * m + 0.1 * x - 0.2 * w + rnorm(n, sd = 1.2)
med <- data.frame(x = round(x, 4), w = round(w, 4), m = round(m, 4), y = round(y, 4))
write.csv(med, file.path(fx, "sem_mediation.csv"), row.names = FALSE)
med_model <- "m ~ a*x + w\n y ~ b*m + c*x + w\n ind := a*b\n tot := c + a*b"
out$mediation <- entry(sem(med_model, data = med), med_model)
# the same with intercepts (meanstructure) and with two purely endogenous outcomes
med_means <- "m ~ a*x + w\n y ~ b*m + c*x\n m ~ 1\n y ~ 1\n ind := a*b"
out$mediation_means <- entry(sem(med_means, data = med), med_means)
out$mediation_means_mlr <- entry(sem(med_means, data = med, estimator = "MLR"), med_means)
two_y <- "m ~ x\n y ~ x + w"  # auto.cov.y: m ~~ y free
out$two_outcomes <- entry(sem(two_y, data = med), two_y)

## 2. Holzinger-Swineford: labels with an equality, a residual covariance, a fixed loading,
##    a structural regression and a defined ratio --------------------------------------------
hs <- read.csv(file.path(fx, "holzinger_swineford_1939.csv"))
hs_model <- paste(
  "visual =~ x1 + a*x2 + a*x3",
  "textual =~ x4 + x5 + 0.9*x6",
  "speed =~ x7 + x8 + x9",
  "x1 ~~ x4",
  "x7 ~~ r*x8",
  "speed ~ g1*visual + g2*textual",
  "ratio := g1 / g2", sep = "\n")
out$hs_structural <- entry(sem(hs_model, data = hs), hs_model)
out$hs_structural_mlr <- entry(sem(hs_model, data = hs, estimator = "MLR"), hs_model)

# observed covariates predicting latent variables, an observed outcome, intercepts
mixed_model <- paste(
  "visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
  "visual ~ ageyr + sex", "textual ~ visual + ageyr", "x9 ~ textual + visual",
  "x9 ~ 1", sep = "\n")
out$hs_mixed <- entry(sem(mixed_model, data = hs), mixed_model)
# a second-order factor
second_model <- paste("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
                      "speed =~ x7 + x8 + x9", "g =~ visual + textual + speed", sep = "\n")
out$hs_second_order <- entry(sem(second_model, data = hs), second_model)

## 3. PoliticalDemocracy SEM with MLR -------------------------------------------------------
pd <- read.csv(file.path(fx, "political_democracy.csv"))
pd_model <- paste(
  "ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4", "dem65 =~ y5 + y6 + y7 + y8",
  "dem60 ~ a*ind60", "dem65 ~ c*ind60 + b*dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8",
  "indirect := a*b", sep = "\n")
out$pd_mlr <- entry(sem(pd_model, data = pd, estimator = "MLR"), pd_model)

## 4. Invariance on real data not in the shared files: bfi Agreeableness + Conscientiousness
##    by gender (complete cases; A1, C4, C5 reversed as 7 - x) -------------------------------
bfi <- read.csv(file.path(fx, "bfi.csv"))
items <- c(paste0("A", 1:5), paste0("C", 1:5))
b <- bfi[complete.cases(bfi[, c(items, "gender")]), c(items, "gender")]
for (v in c("A1", "C4", "C5")) b[[v]] <- 7 - b[[v]]
b$gender <- ifelse(b$gender == 1, "male", "female")
inv_model <- "agree =~ A2 + A1 + A3 + A4 + A5\n consc =~ C1 + C2 + C3 + C4 + C5"
eqs <- list(configural = "", metric = "loadings",
            scalar = c("loadings", "intercepts"),
            strict = c("loadings", "intercepts", "residuals"))
inv <- lapply(eqs, function(e) cfa(inv_model, data = b, group = "gender", group.equal = e))
out$bfi_invariance <- list(
  model = inv_model, group = "gender", group_labels = lavInspect(inv$configural, "group.label"),
  n_by_group = as.list(setNames(lavInspect(inv$configural, "nobs"),
                                lavInspect(inv$configural, "group.label"))),
  fits = lapply(inv, fit_of),
  parameters = lapply(inv, params_of),
  lrt = as.data.frame(lavTestLRT(inv$configural, inv$metric, inv$scalar, inv$strict)))
partial <- cfa(inv_model, data = b, group = "gender",
               group.equal = c("loadings", "intercepts"),
               group.partial = c("A1~1", "consc=~C5"))
out$bfi_partial <- list(group_partial = c("A1~1", "consc=~C5"), fit = fit_of(partial),
                        parameters = params_of(partial))

## 5. Three groups (Holzinger-Swineford by age: 11-12, 13, 14+), in order of appearance ------
hs$age_group <- ifelse(hs$ageyr <= 12, "12 or less", ifelse(hs$ageyr == 13, "13", "14 or more"))
hs_cfa <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
three <- lapply(eqs, function(e) cfa(hs_cfa, data = hs, group = "age_group", group.equal = e))
out$hs_three_groups <- list(
  model = hs_cfa, group = "age_group", group_labels = lavInspect(three$configural, "group.label"),
  fits = lapply(three, fit_of), parameters = lapply(three, params_of))

write_json(out, file.path(fx, "sem_models_reference.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
