# Reference results for psychometrics.structural.ordinal_stats (stage 1 of lavaan's
# categorical estimation: thresholds, polychoric correlations, their asymptotic covariance
# Gamma and the DWLS weight), ordinal_baseline and ordinal_implied, wls_robust (the WLSMV
# test-statistic and sandwich algebra) and psychometrics.coefficients.omega_categorical
# (semTools' compRelSEM for ordered indicators).
#
# Run from the repository root:  Rscript tests/reference/ordinal.R
# Needs lavaan 0.6.14, semTools 0.5.6, psych 2.2.9 (data only) and jsonlite. Writes the data
# sets it derives to tests/reference/data/ (only when missing) and R's results as JSON to
# tests/reference/ordinal/. CI has no R: the outputs are committed.

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
})
source("tests/reference/_common.R")
out_dir <- reference_dir("ordinal")

# ---------------------------------------------------------------------------------------------
# data: bfi items (6 categories) and HolzingerSwineford1939 cut into 2 to 7 categories
# ---------------------------------------------------------------------------------------------

bfi <- psych::bfi
ac_names <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi_ac <- export(na.omit(bfi[, ac_names]), "bfi_ac_complete")
bfi25 <- export(na.omit(bfi[, 1:25]), "bfi25_complete")
bfi_sparse <- export(bfi_ac[1:150, ], "bfi_ac_first150")
# the first 600 bfi rows with their missing answers (lavaan's missing = "pairwise"), and gender
bfi_pairwise <- export(cbind(bfi[1:600, ac_names], gender = bfi$gender[1:600]),
                       "bfi_ac_first600_missing")
# for reliability the reverse-keyed items are recoded (7 - x): omega of a sum needs them keyed
bfi_keyed <- bfi_ac
for (v in c("A1", "C4", "C5")) bfi_keyed[[v]] <- 7L - bfi_keyed[[v]]

hs <- lavaan::HolzingerSwineford1939
cuts <- list(x1 = c(.5), x2 = c(.3, .7), x3 = c(.25, .5, .75), x4 = c(.15, .4, .6, .85),
             x5 = c(.1, .3, .5, .7, .9), x6 = c(.35, .65), x7 = c(.2, .45, .75),
             x8 = c(.1, .25, .5, .75, .9), x9 = c(.08, .2, .4, .6, .8, .92))
hs_cut <- as.data.frame(lapply(names(cuts), function(v) {
  x <- hs[[v]]
  findInterval(x, quantile(x, cuts[[v]], type = 7), left.open = TRUE) + 1L
}))
names(hs_cut) <- names(cuts)
# x7's second category is left unused (its answers moved to the third), as a scale whose
# middle answer nobody gave: lavaan drops the level, so x7 keeps 2 thresholds, not 3
hs_cut$x7[hs_cut$x7 == 2L] <- 3L
hs_cut$school <- as.character(hs$school)
hs_cat <- export(hs_cut, "hs_ordinal")

# four binary items with empty cells in their 2x2 tables (one empty cell: lavaan adds 0.5
# keeping the margins; b3 x b4 has two)
b1 <- as.integer(hs$x1 > quantile(hs$x1, .8))
bin <- data.frame(b1 = b1,
                  b2 = as.integer(hs$x4 > median(hs$x4) | b1 == 1L),
                  b3 = as.integer(hs$x7 > median(hs$x7)),
                  b4 = as.integer(hs$x9 > quantile(hs$x9, .3)))
bin$b4[bin$b3 == 1L] <- 1L
bin$b4[bin$b3 == 0L & bin$b4 == 1L][1:40] <- 0L
binary <- export(bin, "hs_binary_zero_cells")

# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------

stage1 <- function(fit, gamma_rows = NULL) {
  ss <- lavInspect(fit, "sampstat", drop.list.single.group = FALSE)
  G <- lavInspect(fit, "gamma", drop.list.single.group = FALSE)
  W <- lavInspect(fit, "wls.v", drop.list.single.group = FALSE)
  zc <- fit@SampleStats@zero.cell.tables  # per group: the pairs (names) with empty cells
  nobs <- lavInspect(fit, "nobs")
  lapply(seq_along(ss), function(g) {
    rec <- list(
      nobs = nobs[[g]],
      th = unname(ss[[g]]$th), th_names = names(ss[[g]]$th),
      cov = mat(ss[[g]]$cov),
      wls_v = unname(diag(W[[g]])),
      gamma_diag = unname(diag(G[[g]])),
      zero_cell_pairs = unname(as.matrix(zc[[g]]))
    )
    if (is.null(gamma_rows)) rec$gamma <- unname(G[[g]])
    else {
      rec$gamma_rows <- gamma_rows
      rec$gamma_row_block <- unname(G[[g]][gamma_rows, , drop = FALSE])
    }
    rec
  })
}

robust <- function(fit) {
  tests <- lapply(fit@test, function(t) {
    t[intersect(names(t), c("test", "stat", "stat.group", "df", "scaling.factor",
                            "shift.parameter", "trace.UGamma", "trace.UGamma2"))]
  })
  D <- lavInspect(fit, "delta", drop.list.single.group = FALSE)
  UG <- lavInspect(fit, "UGamma")
  list(
    estimator = lavInspect(fit, "options")$estimator,
    nobs = as.list(lavInspect(fit, "nobs")),
    npar = lavInspect(fit, "npar"),
    delta = unname(lapply(D, function(d) unname(d))),
    # equality constraints (group.equal): their Jacobian, which augments the information
    con_jac = unname(fit@Model@con.jac),
    tests = tests,
    # the independence model's tests (thresholds free, correlations 0) and fit measures
    baseline_tests = lapply(fit@baseline$test, function(t) {
      t[intersect(names(t), c("test", "stat", "stat.group", "df", "scaling.factor",
                              "shift.parameter", "trace.UGamma", "trace.UGamma2"))]
    }),
    fit_measures = as.list(fitMeasures(fit, c("chisq", "df", "chisq.scaled", "df.scaled",
      "baseline.chisq", "baseline.df", "baseline.chisq.scaled", "baseline.df.scaled",
      "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust", "rmsea",
      "rmsea.scaled", "rmsea.robust", "srmr"))),
    ugamma_trace = sum(diag(UG)),
    ugamma2_trace = sum(UG * t(UG)),
    inverted_information = unname(lavTech(fit, "inverted.information")),
    vcov = unname(as.matrix(vcov(fit))),
    se = unname(parameterEstimates(fit)$se[parameterEstimates(fit)$se > 0 &
                                            !is.na(parameterEstimates(fit)$se)])
  )
}

reliability <- function(fit) {
  est <- lavInspect(fit, "est", drop.list.single.group = FALSE)
  ss <- lavInspect(fit, "sampstat", drop.list.single.group = FALSE)
  fitted_cov <- lavInspect(fit, "fitted", drop.list.single.group = FALSE)
  thr <- semTools:::getThreshold(fit)
  blocks <- lapply(seq_along(est), function(g) {
    list(
      lambda = mat(est[[g]]$lambda),
      psi = mat(est[[g]]$psi),
      scales = unname(est[[g]]$delta[, "scales"]),
      thresholds = lapply(thr[[g]], unname),
      sample_cor = mat(ss[[g]]$cov),
      implied_cor = mat(fitted_cov[[g]]$cov)
    )
  })
  # return.total = TRUE fails in semTools 0.5.6 for ordered indicators (omegaCat gets the
  # summed common variance, a scalar, where it expects a matrix), so only per factor
  omega_obs <- compRelSEM(fit, obs.var = TRUE)
  omega_fit <- compRelSEM(fit, obs.var = FALSE)
  list(blocks = blocks,
       omega_obs_var = if (is.data.frame(omega_obs)) as.list(omega_obs) else as.list(unclass(omega_obs)),
       omega_fitted = if (is.data.frame(omega_fit)) as.list(omega_fit) else as.list(unclass(omega_fit)))
}

# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

m_ac <- "A =~ A1 + A2 + A3 + A4 + A5
         C =~ C1 + C2 + C3 + C4 + C5"
m_bfi25 <- "A =~ A1 + A2 + A3 + A4 + A5
            C =~ C1 + C2 + C3 + C4 + C5
            E =~ E1 + E2 + E3 + E4 + E5
            N =~ N1 + N2 + N3 + N4 + N5
            O =~ O1 + O2 + O3 + O4 + O5"
m_hs <- "visual =~ x1 + x2 + x3
         textual =~ x4 + x5 + x6
         speed =~ x7 + x8 + x9"

fit_ac <- cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "WLSMV")
fit_ac_mv <- cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "DWLS",
                 se = "robust.sem", test = "mean.var.adjusted")
fit_ac_m <- cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "WLSM")
fit_ac_uls <- cfa(m_ac, data = bfi_ac, ordered = TRUE, estimator = "ULSMV")
fit_keyed <- cfa(m_ac, data = bfi_keyed, ordered = TRUE, estimator = "WLSMV")
fit_25 <- cfa(m_bfi25, data = bfi25, ordered = TRUE, estimator = "WLSMV")
hs_items <- hs_cat[, paste0("x", 1:9)]
fit_hs <- cfa(m_hs, data = hs_items, ordered = TRUE, estimator = "WLSMV")
fit_hs_mg <- cfa(m_hs, data = hs_cat, ordered = paste0("x", 1:9), group = "school",
                 estimator = "WLSMV")
fit_hs_mg_eq <- cfa(m_hs, data = hs_cat, ordered = paste0("x", 1:9), group = "school",
                    group.equal = c("thresholds", "loadings"), estimator = "WLSMV")
fit_sparse <- cfa(m_ac, data = bfi_sparse, ordered = TRUE, estimator = "WLSMV")
fit_pw <- cfa(m_ac, data = bfi_pairwise[, ac_names], ordered = TRUE, estimator = "WLSMV",
              missing = "pairwise")
fit_pw_mg <- cfa(m_ac, data = bfi_pairwise, ordered = ac_names, estimator = "WLSMV",
                 missing = "pairwise", group = "gender")
fit_bin <- suppressWarnings(lavCor(binary, ordered = names(binary), estimator = "WLSMV",
                                   output = "fit"))

save_json(list(
  note = "lavaan 0.6.14: lavInspect(fit, 'sampstat' / 'gamma' / 'wls.v' / 'zero.cell.tables')",
  bfi_ac = stage1(fit_ac),
  bfi25 = stage1(fit_25, gamma_rows = c(1:10, 126:135, 300:305, 420:425)),
  hs = stage1(fit_hs),
  hs_groups = stage1(fit_hs_mg),
  group_labels = lavInspect(fit_hs_mg, "group.label"),
  bfi_sparse = stage1(fit_sparse),
  binary = stage1(fit_bin),
  bfi_pairwise = stage1(fit_pw),
  bfi_pairwise_groups = stage1(fit_pw_mg),
  bfi_pairwise_group_labels = lavInspect(fit_pw_mg, "group.label")
), "stage1")

save_json(list(
  note = "lavaan 0.6.14: fit@test, lavInspect(fit, 'delta' / 'UGamma'), lavTech(fit, 'inverted.information'), vcov(fit)",
  bfi_ac_wlsmv = robust(fit_ac),
  bfi_ac_mean_var = robust(fit_ac_mv),
  bfi_ac_wlsm = robust(fit_ac_m),
  bfi_ac_ulsmv = robust(fit_ac_uls),
  hs_wlsmv = robust(fit_hs),
  hs_groups_wlsmv = robust(fit_hs_mg),
  hs_groups_equal_wlsmv = robust(fit_hs_mg_eq),
  bfi_pairwise_wlsmv = robust(fit_pw),
  bfi_pairwise_groups_wlsmv = robust(fit_pw_mg),
  stage1_uls = stage1(fit_ac_uls),
  hs_wls_baseline = cfa(m_hs, data = hs_items, ordered = TRUE,
                        estimator = "WLS")@baseline$test$standard[c("stat", "df")]
), "robust")

save_json(list(
  note = "semTools 0.5.6 compRelSEM(fit, obs.var = TRUE / FALSE, return.total = TRUE)",
  bfi_ac_keyed = reliability(fit_keyed),
  hs = reliability(fit_hs),
  hs_groups_equal = reliability(fit_hs_mg_eq)
), "omega_categorical")

# ordinal alpha (psych) on items with 2 to 7 categories, one unused: psych switches its
# global thresholds off for unequal numbers of categories
poly_hs <- suppressWarnings(psych::polychoric(hs_items))
alpha_hs <- suppressWarnings(psych::alpha(poly_hs$rho))
save_json(list(
  note = "psych 2.2.9: alpha(polychoric(HS items cut into 2-7 categories)$rho)",
  rho = mat(poly_hs$rho),
  total = as.list(alpha_hs$total)
), "ordinal_alpha_unequal")

# ---------------------------------------------------------------------------------------------
# implied thresholds / correlations and Delta from the model matrices (delta and theta
# parameterizations; a two-group fit with free scale factors and factor means)
# ---------------------------------------------------------------------------------------------

fit_hs_theta <- cfa(m_hs, data = hs_items, ordered = TRUE, estimator = "WLSMV",
                    parameterization = "theta")
implied <- function(fit) {
  est <- lavInspect(fit, "est", drop.list.single.group = FALSE)
  free <- lavInspect(fit, "free", drop.list.single.group = FALSE)
  wls <- lavInspect(fit, "wls.est", drop.list.single.group = FALSE)
  D <- lavInspect(fit, "delta", drop.list.single.group = FALSE)
  keep <- c("lambda", "theta", "psi", "nu", "alpha", "tau", "delta")
  lapply(seq_along(est), function(g) list(
    est = lapply(est[[g]][intersect(keep, names(est[[g]]))], function(x) unname(unclass(x))),
    free = lapply(free[[g]][intersect(keep, names(free[[g]]))], function(x) unname(unclass(x))),
    th_item = unname(fit@Model@th.idx[[g]]),
    wls_est = unname(wls[[g]]),
    delta = unname(D[[g]])
  ))
}
save_json(list(
  note = "lavaan 0.6.14: lavInspect(fit, 'est' / 'free' / 'wls.est' / 'delta')",
  npar = list(bfi_ac = lavInspect(fit_ac, "npar"), hs_groups_equal = lavInspect(fit_hs_mg_eq, "npar"),
              hs_theta = lavInspect(fit_hs_theta, "npar")),
  bfi_ac = implied(fit_ac),
  hs_groups_equal = implied(fit_hs_mg_eq),
  hs_theta = implied(fit_hs_theta)
), "implied")
