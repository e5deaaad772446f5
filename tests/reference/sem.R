# Reference results for psychometrics.structural (multi-group models, mean structures,
# robust estimators, likelihood-ratio tests) from lavaan 0.6.14 (R).
#
# Run from the repository root:  Rscript tests/reference/sem.R
# Writes tests/reference/sem/<case>_{fit,estimates,info,groupchisq}.csv and lrt_*.csv; fits
# the data read back from tests/reference/data/ so that Python and R see the same numbers.
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")

source("tests/reference/_common.R")
out_dir <- reference_dir("sem")

HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
HSm <- read.csv(file.path(data_dir, "HolzingerSwineford1939_mcar.csv"))
HSm$school <- HS$school[match(HSm$id, HS$id)]
bfi <- export(psych::bfi, "bfi")

HS_MODEL <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL <- paste(
  "A =~ A1 + A2 + A3 + A4 + A5", "C =~ C1 + C2 + C3 + C4 + C5",
  "E =~ E1 + E2 + E3 + E4 + E5", "N =~ N1 + N2 + N3 + N4 + N5",
  "O =~ O1 + O2 + O3 + O4 + O5", sep = "\n")

# lavaan's nlminb stops at rel.tol 1e-10 of fmin; on the larger multi-group models that leaves
# a gradient of ~2e-6 and z values 1e-4 (relative) from the optimum. Every fit is therefore
# continued from lavaan's own solution with lavaan's BFGS at reltol 1e-16 (gradient ~1e-8):
# the same estimator and formulas, converged further. It changes estimates by < 1e-4.
cfa_refined <- function(...) {
  fit <- cfa(...)
  cfa(..., start = fit, optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
}

# A robust fit with its independence (baseline) model refined the same way: lavaan's own
# baseline stops where nlminb does, which moves its robust scaling factor by ~1e-7 (relative).
robust_case <- function(model, data, case, ...) {
  fit <- cfa_refined(model, data = data, ...)
  ov <- lavNames(fit, "ov")
  dots <- list(...)
  dots$group.equal <- NULL
  dots$group.partial <- NULL
  base <- do.call(cfa_refined, c(list(paste(ov, "~~", ov, collapse = "\n"), data = data,
                                      meanstructure = lavInspect(fit, "meanstructure")), dots))
  write_fit(fit, case, baseline = base)
}

write_fit <- function(fit, case, baseline = NULL) {
  stopifnot(lavInspect(fit, "converged"))
  fm <- if (is.null(baseline)) fitMeasures(fit) else fitMeasures(fit, baseline.model = baseline)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(out_dir, paste0(case, "_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(fit, standardized = TRUE, remove.eq = TRUE, remove.def = FALSE)
  pe <- pe[!(pe$op %in% c("==", "<", ">")), ]
  if (!is.null(pe$group)) pe$group <- lavInspect(fit, "group.label")[pe$group]
  write.csv(pe, file.path(out_dir, paste0(case, "_estimates.csv")), row.names = FALSE)
  mi <- modindices(fit)
  if (!is.null(mi$group)) mi$group <- lavInspect(fit, "group.label")[mi$group]
  write.csv(mi, file.path(out_dir, paste0(case, "_mi.csv")), row.names = FALSE)
  test <- lavInspect(fit, "test")
  glab <- lavInspect(fit, "group.label")
  if (length(glab) == 0) glab <- ""
  write.csv(data.frame(group = glab, chisq = test$standard$stat.group,
                       nobs = unlist(lavInspect(fit, "nobs"))),
            file.path(out_dir, paste0(case, "_groupchisq.csv")), row.names = FALSE)
  info <- data.frame(
    key = c("converged", "ntotal", "information", "estimator", "lavaan"),
    value = c(lavInspect(fit, "converged"), lavInspect(fit, "ntotal"),
              lavInspect(fit, "options")$information[1], lavInspect(fit, "options")$estimator,
              as.character(packageVersion("lavaan"))))
  write.csv(info, file.path(out_dir, paste0(case, "_info.csv")), row.names = FALSE)
  invisible(fit)
}

write_lrt <- function(tab, case) {
  out <- data.frame(model = rownames(tab), as.data.frame(tab), check.names = FALSE)
  write.csv(out, file.path(out_dir, paste0("lrt_", case, ".csv")), row.names = FALSE)
}

# --- mean structure, one group --------------------------------------------------------------
write_fit(cfa_refined(HS_MODEL, data = HS, meanstructure = TRUE), "hs_means")

# --- HolzingerSwineford1939 by school: the invariance ladder --------------------------------
conf <- write_fit(cfa_refined(HS_MODEL, data = HS, group = "school"), "hs_configural")
metric <- write_fit(cfa_refined(HS_MODEL, data = HS, group = "school", group.equal = "loadings"),
                    "hs_metric")
scalar <- write_fit(cfa_refined(HS_MODEL, data = HS, group = "school",
                        group.equal = c("loadings", "intercepts")), "hs_scalar")
strict <- write_fit(cfa_refined(HS_MODEL, data = HS, group = "school",
                        group.equal = c("loadings", "intercepts", "residuals")), "hs_strict")
write_fit(cfa_refined(HS_MODEL, data = HS, group = "school",
              group.equal = c("loadings", "intercepts", "residuals", "residual.covariances",
                              "lv.variances", "lv.covariances", "means")), "hs_allequal")
write_fit(cfa_refined(HS_MODEL, data = HS, group = "school", group.equal = c("loadings", "intercepts"),
              group.partial = c("x3 ~ 1", "visual =~ x2")), "hs_partial")
write_fit(cfa_refined(HS_MODEL, data = HS, group = "school", std.lv = TRUE,
              group.equal = "loadings"), "hs_metric_stdlv")
# labels per group: c(a, a) equal across groups, c(b1, b2) free, a fixed value in one group
write_fit(cfa_refined(paste("visual =~ x1 + c(a, a)*x2 + c(b1, b2)*x3",
                    "textual =~ x4 + x5 + c(0.9, NA)*x6", "speed =~ x7 + x8 + x9", sep = "\n"),
              data = HS, group = "school"), "hs_grouplabels")
write_lrt(lavTestLRT(conf, metric, scalar, strict), "hs_ladder")

# --- FIML by school -------------------------------------------------------------------------
write_fit(cfa_refined(HS_MODEL, data = HSm, group = "school", missing = "ml",
              group.equal = "loadings"), "hs_fiml_metric")

# --- psych::bfi by gender -------------------------------------------------------------------
bconf <- write_fit(cfa_refined(BFI_MODEL, data = bfi, group = "gender"), "bfi_configural")
bscal <- write_fit(cfa_refined(BFI_MODEL, data = bfi, group = "gender",
                       group.equal = c("loadings", "intercepts")), "bfi_scalar")
write_lrt(lavTestLRT(bconf, bscal), "bfi_ladder")

# --- robust estimators --------------------------------------------------------------------
robust_case(HS_MODEL, HS, "hs_mlm", estimator = "MLM")
robust_case(HS_MODEL, HS, "hs_mlmv", estimator = "MLMV")
robust_case(HS_MODEL, HS, "hs_mlr", estimator = "MLR")
robust_case(HS_MODEL, HS, "hs_mlm_metric", estimator = "MLM", group = "school",
            group.equal = "loadings")
rconf <- robust_case(HS_MODEL, HS, "hs_mlr_configural", estimator = "MLR", group = "school")
rmetric <- robust_case(HS_MODEL, HS, "hs_mlr_metric", estimator = "MLR", group = "school",
                       group.equal = "loadings")
rscalar <- robust_case(HS_MODEL, HS, "hs_mlr_scalar", estimator = "MLR", group = "school",
                       group.equal = c("loadings", "intercepts"))
write_lrt(lavTestLRT(rconf, rmetric, rscalar), "hs_mlr_ladder")
mconf <- cfa_refined(HS_MODEL, data = HS, estimator = "MLM", group = "school")
mmetric <- cfa_refined(HS_MODEL, data = HS, estimator = "MLM", group = "school",
                       group.equal = "loadings")
write_lrt(lavTestLRT(mconf, mmetric), "hs_mlm_ladder")
robust_case(BFI_MODEL, bfi, "bfi_mlr_scalar", group = "gender", estimator = "MLR",
            group.equal = c("loadings", "intercepts"))

# --- structural regressions (lavaan::sem) ---------------------------------------------------
PD <- export(lavaan::PoliticalDemocracy, "PoliticalDemocracy")
PD_MODEL <- paste(
  "ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + a*y2 + b*y3 + c*y4",
  "dem65 =~ y5 + a*y6 + b*y7 + c*y8", "dem60 ~ ind60", "dem65 ~ ind60 + dem60",
  "y1 ~~ y5", "y2 ~~ y4 + y6", "y3 ~~ y7", "y4 ~~ y8", "y6 ~~ y8", sep = "\n")
sem_refined <- function(...) {
  fit <- sem(...)
  sem(..., start = fit, optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
}
write_r2 <- function(fit, case) {
  r2 <- lavInspect(fit, "r2")
  write.csv(data.frame(variable = names(r2), r2 = as.numeric(r2)),
            file.path(out_dir, paste0(case, "_r2.csv")), row.names = FALSE)
}
pd <- write_fit(sem_refined(PD_MODEL, data = PD), "pd")
write_r2(pd, "pd")
pd_means <- write_fit(sem_refined(PD_MODEL, data = PD, meanstructure = TRUE, std.lv = TRUE),
                      "pd_means_stdlv")
write_r2(pd_means, "pd_means_stdlv")
# FIML with a regression (observed information by differences of the gradient)
HS3 <- paste(HS_MODEL, "speed ~ visual + textual", sep = "\n")
write_fit(sem_refined(HS3, data = HSm, missing = "ml"), "hs_sem_fiml")
write_fit(sem_refined(HS3, data = HS, group = "school", group.equal = c("loadings", "regressions")),
          "hs_sem_groups")

# --- defined parameters and equality constraints ------------------------------------------
write_fit(cfa_refined(paste("visual =~ x1 + a*x2 + b*x3", "textual =~ x4 + c1*x5 + c2*x6",
                            "speed =~ x7 + x8 + x9", "c1 == c2", "ab := a*b",
                            "d := a - b", "r := ab / (1 + d^2)", sep = "\n"), data = HS),
          "hs_defined")
PD_INDIRECT <- sub("dem60 ~ ind60\ndem65 ~ ind60 + dem60",
                   "dem60 ~ p1*ind60\ndem65 ~ ind60 + p2*dem60\nind := p1*p2", PD_MODEL,
                   fixed = TRUE)
stopifnot(PD_INDIRECT != PD_MODEL)
write_fit(sem_refined(PD_INDIRECT, data = PD), "pd_indirect")

# --- lavTestScore: releasing each equality constraint ---------------------------------------
write_score <- function(fit, case) {
  st <- lavTestScore(fit)
  write.csv(st$test, file.path(out_dir, paste0(case, "_score_total.csv")), row.names = FALSE)
  write.csv(st$uni, file.path(out_dir, paste0(case, "_score.csv")), row.names = FALSE)
}
write_score(metric, "hs_metric")
write_score(scalar, "hs_scalar")
write_score(rscalar, "hs_mlr_scalar")
write_score(pd, "pd")

# --- MLR under FIML ------------------------------------------------------------------------
# lavaan's EM for the unrestricted model stops at em.h1.tol = 1e-5; the robust test uses its
# information at the EM estimates, so it is run to 1e-12 here (the Python EM goes to 1e-10).
robust_case(HS_MODEL, HSm, "hs_fiml_mlr", missing = "ml", estimator = "MLR",
            em.h1.tol = 1e-12, em.h1.iter.max = 100000)
robust_case(HS_MODEL, HSm, "hs_fiml_mlr_metric", missing = "ml", estimator = "MLR",
            group = "school", group.equal = "loadings", em.h1.tol = 1e-12,
            em.h1.iter.max = 100000)
