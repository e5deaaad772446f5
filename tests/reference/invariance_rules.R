# Reference for the invariance table's differences and decisions, and for the small-group
# rule's counts, from semTools 0.5.6 / lavaan 0.6.14 (R):
#   - semTools::compareFit on HolzingerSwineford1939 by school (ML and MLR, the four steps
#     of lavaan's group.equal): its fit.diff (delta CFI, RMSEA, SRMR; the robust CFI and
#     RMSEA under MLR) and its nested chi-square difference tests (lavTestLRT: scaled under
#     MLR);
#   - the decisions of each step under the published cut-offs, computed here from those
#     numbers: Cheung & Rensvold (2002) delta CFI >= -.010; Chen (2007) not invariant when
#     CFI drops by more than .010 together with RMSEA rising by more than .015 or SRMR by
#     more than .030 (loadings) / .010 (intercepts, residuals); the chi-square difference
#     test at .05;
#   - the free parameters per group of the configural model (lavaan's npar / groups) and
#     the respondents per group lavaan uses (listwise), for the small-group verdict, with
#     Grant-White cut to its first 18 pupils.
#
# Run from the repository root:  Rscript tests/reference/invariance_rules.R
suppressPackageStartupMessages({library(lavaan); library(semTools)})
stopifnot(packageVersion("lavaan") == "0.6.14", packageVersion("semTools") == "0.5.6")
source("tests/reference/_common.R")
out_dir <- reference_dir("invariance")
HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
HS_MODEL <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
EQ <- list(configural = "", metric = "loadings",
           scalar = c("loadings", "intercepts"),
           strict = c("loadings", "intercepts", "residuals"))
refined <- function(...) {
  fit <- cfa(...)
  cfa(..., start = fit, optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
}
SRMR_CUT <- c(metric = 0.030, scalar = 0.010, strict = 0.010)
for (est in c("ML", "MLR")) {
  fits <- lapply(EQ, function(eq) refined(HS_MODEL, data = HS, group = "school",
                                          group.equal = eq, estimator = est))
  cf <- compareFit(configural = fits$configural, metric = fits$metric,
                   scalar = fits$scalar, strict = fits$strict, nested = TRUE)
  cfi <- if (est == "ML") "cfi" else "cfi.robust"
  rmsea <- if (est == "ML") "rmsea" else "rmsea.robust"
  fd <- cf@fit.diff  # rows "metric - configural", "scalar - metric", "strict - scalar"
  nested <- cf@nested
  d_cfi <- fd[[cfi]]
  d_rmsea <- fd[[rmsea]]
  d_srmr <- fd[["srmr"]]
  p <- nested[["Pr(>Chisq)"]][-1]
  steps <- names(EQ)[-1]
  out <- data.frame(
    step = steps, comparison = rownames(fd),
    chisq_diff = nested[["Chisq diff"]][-1], df_diff = nested[["Df diff"]][-1],
    pvalue_diff = p, delta_cfi = d_cfi, delta_rmsea = d_rmsea, delta_srmr = d_srmr,
    cheung_rensvold = ifelse(d_cfi >= -0.010, "invariant", "not invariant"),
    chen = ifelse(d_cfi < -0.010 & (d_rmsea > 0.015 | d_srmr > SRMR_CUT[steps]),
                  "not invariant", "invariant"),
    chisq = ifelse(p < 0.05, "not invariant", "invariant"))
  write.csv(out, file.path(out_dir, paste0("hs_school_rules_", tolower(est), ".csv")),
            row.names = FALSE)
}

# --- the small-group verdict's counts -------------------------------------------------------
small <- rbind(HS[HS$school == "Pasteur", ], head(HS[HS$school == "Grant-White", ], 18))
models <- list(three_factor = HS_MODEL, one_factor = "visual =~ x1 + x2 + x3",
               six_items = "f =~ x1 + x2 + x3 + x4 + x5 + x6")
rows <- list()
for (name in names(models)) {
  # lavaan fits it (the small group only warns); npar is of both groups together
  fit <- suppressWarnings(cfa(models[[name]], data = small, group = "school"))
  n <- unlist(fit@Data@nobs)  # listwise respondents per group
  rows[[name]] <- data.frame(model = name, group = lavInspect(fit, "group.label"),
                             n = as.integer(n),
                             parameters = as.numeric(fitMeasures(fit, "npar")) / length(n))
}
write.csv(do.call(rbind, rows), file.path(out_dir, "hs_small_group_counts.csv"),
          row.names = FALSE)
