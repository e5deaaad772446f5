# Reference omega of all items together (pm.omega_categorical(..., total=True)) for ordered
# items, from semTools 0.5.6's own omegaCat (Green & Yang 2009), on the WLSMV fits of
# tests/reference/ordinal.R (bfi A/C items keyed, HS items cut into 2-7 categories, and HS
# by school with equal thresholds and loadings).
#
# semTools::compRelSEM(fit, return.total = TRUE) fails in 0.5.6 for ordered indicators: for
# "total" it passes omegaCat the SUM of the common covariance matrix (a scalar) as truevar,
# where omegaCat needs the matrix (its first line is diag(scales) %*% truevar %*%
# diag(scales)). The total here is compRelSEM's own code for it with that sum() left out:
# omegaCat(truevar = Lambda Psi Lambda', denom = the sample (obs.var = TRUE) or model-implied
# (obs.var = FALSE) correlations, threshold = semTools:::getThreshold(fit), scales = lavaan's
# delta scales). The per-factor omegas computed the same way are checked here against
# compRelSEM's, so the inputs are the ones compRelSEM uses.
#
# Run from the repository root:  Rscript tests/reference/omega_categorical_total.R
# Writes tests/reference/ordinal/omega_categorical_total.json.
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
})
stopifnot(packageVersion("lavaan") == "0.6.14", packageVersion("semTools") == "0.5.6")
source("tests/reference/_common.R")
out_dir <- reference_dir("ordinal")

bfi_keyed <- read.csv(file.path(data_dir, "bfi_ac_complete.csv"))
for (v in c("A1", "C4", "C5")) bfi_keyed[[v]] <- 7L - bfi_keyed[[v]]
hs_cat <- read.csv(file.path(data_dir, "hs_ordinal.csv"))
hs_items <- hs_cat[, paste0("x", 1:9)]
m_ac <- "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5"
m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

fits <- list(
  bfi_ac_keyed = cfa(m_ac, data = bfi_keyed, ordered = TRUE, estimator = "WLSMV"),
  hs = cfa(m_hs, data = hs_items, ordered = TRUE, estimator = "WLSMV"),
  hs_groups_equal = cfa(m_hs, data = hs_cat, ordered = paste0("x", 1:9), group = "school",
                        group.equal = c("thresholds", "loadings"), estimator = "WLSMV")
)

refusal <- tryCatch({compRelSEM(fits$hs, return.total = TRUE); "no error"},
                    error = function(e) conditionMessage(e))

total <- function(fit) {
  stopifnot(lavInspect(fit, "converged"))
  est <- lavInspect(fit, "est", drop.list.single.group = FALSE)
  ss <- lavInspect(fit, "sampstat", drop.list.single.group = FALSE)
  fitted_cov <- lavInspect(fit, "fitted", drop.list.single.group = FALSE)
  thr <- semTools:::getThreshold(fit)
  per_factor <- list(obs = compRelSEM(fit, obs.var = TRUE),
                     fitted = compRelSEM(fit, obs.var = FALSE))
  blocks <- lapply(seq_along(est), function(g) {
    L <- est[[g]]$lambda
    P <- est[[g]]$psi
    sc <- est[[g]]$delta[, "scales"]
    omega <- function(items, truevar, denom)
      semTools:::omegaCat(truevar = truevar, threshold = thr[[g]][items],
                          scales = sc[items], denom = denom[items, items])
    items <- rownames(L)
    out <- list()
    for (what in c("obs", "fitted")) {
      denom <- if (what == "obs") ss[[g]]$cov else fitted_cov[[g]]$cov
      # each factor as compRelSEM computes it, to show these are its inputs
      for (f in colnames(L)) {
        fi <- items[L[, f] != 0]
        Lf <- L[fi, f, drop = FALSE]
        mine <- omega(fi, Lf %*% P[f, f] %*% t(Lf), denom)
        theirs <- per_factor[[what]]
        theirs <- if (is.data.frame(theirs)) theirs[g, f] else theirs[[f]]
        stopifnot(isTRUE(all.equal(mine, unname(theirs), tolerance = 1e-12)))
      }
      out[[what]] <- omega(items, L %*% P %*% t(L), denom)
    }
    list(total_obs_var = out$obs, total_fitted = out$fitted)
  })
  list(group_label = lavInspect(fit, "group.label"), blocks = blocks)
}

save_json(c(list(note = paste("semTools 0.5.6 omegaCat(truevar = Lambda Psi Lambda')",
                              "over all items; compRelSEM(return.total = TRUE) fails:",
                              refusal)),
            lapply(fits, total)), "omega_categorical_total")
