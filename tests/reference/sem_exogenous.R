# Reference results for regressions on observed exogenous covariates (lavaan's defaults
# fixed.x = TRUE, conditional.x = FALSE) and for the FIML-corrected robust fit indices,
# from lavaan 0.6.14 (R).
#
# Run from the repository root:  Rscript tests/reference/sem_exogenous.R
# Writes tests/reference/sem_exogenous/<case>_{fit,estimates,mi,r2,info}.csv; fits the data
# read back from tests/reference/data/ so that Python and R see the same numbers.
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")

source("tests/reference/_common.R")
out_dir <- reference_dir("sem_exogenous")

HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
HS$female <- as.numeric(HS$sex == 2)  # the covariate as a 0/1 indicator
HSm <- read.csv(file.path(data_dir, "HolzingerSwineford1939_mcar.csv"))
HSm$ageyr <- HS$ageyr[match(HSm$id, HS$id)]
HSm$female <- HS$female[match(HSm$id, HS$id)]
PD <- export(lavaan::PoliticalDemocracy, "PoliticalDemocracy")

MIMIC <- paste("visual =~ x1 + x2 + x3", "textual =~ x4 + x5 + x6",
               "visual ~ ageyr + female", "textual ~ ageyr + female", sep = "\n")
PATH <- "y5 ~ y1 + x1\ny1 ~ x1 + x2"
# a latent model without the direct effect dem65 ~ ind60: a regression candidate for
# modindices()
PD_NODIRECT <- paste("ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4",
                     "dem65 =~ y5 + y6 + y7 + y8", "dem60 ~ ind60", "dem65 ~ dem60", sep = "\n")

# As in sem.R: lavaan's nlminb solution continued with BFGS at reltol 1e-16. A fitted
# object as start values turns fixed.x off unless it is given again.
sem_refined <- function(...) {
  fit <- sem(...)
  sem(..., start = fit, fixed.x = TRUE, optim.method = "BFGS",
      control = list(reltol = 1e-16, maxit = 10000))
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
  # every candidate, NA ones too: which rows lavaan lists is part of the comparison
  mi <- modindices(fit, na.remove = FALSE)
  if (!is.null(mi$group)) mi$group <- lavInspect(fit, "group.label")[mi$group]
  write.csv(mi, file.path(out_dir, paste0(case, "_mi.csv")), row.names = FALSE)
  r2 <- lavInspect(fit, "r2")
  if (is.list(r2)) {
    r2 <- do.call(rbind, lapply(names(r2), function(g)
      data.frame(group = g, variable = names(r2[[g]]), r2 = as.numeric(r2[[g]]))))
  } else {
    r2 <- data.frame(variable = names(r2), r2 = as.numeric(r2))
  }
  write.csv(r2, file.path(out_dir, paste0(case, "_r2.csv")), row.names = FALSE)
  info <- data.frame(
    key = c("converged", "ntotal", "fixed.x", "conditional.x", "missing", "estimator",
            "lavaan"),
    value = c(lavInspect(fit, "converged"), lavInspect(fit, "ntotal"),
              lavInspect(fit, "options")$fixed.x, lavInspect(fit, "options")$conditional.x,
              lavInspect(fit, "options")$missing, lavInspect(fit, "options")$estimator,
              as.character(packageVersion("lavaan"))))
  write.csv(info, file.path(out_dir, paste0(case, "_info.csv")), row.names = FALSE)
  invisible(fit)
}

# A robust fit with its independence model refined the same way (as sem.R's robust_case:
# lavaan's own baseline stops where nlminb does, which moves the robust scaling factors by
# ~1e-7). With fixed.x the independence model keeps the covariates' block: written as the
# outcomes' variances plus zero regressions of one outcome on the covariates.
robust_case <- function(model, data, case, ...) {
  fit <- sem_refined(model, data = data, ...)
  x <- lavNames(fit, "ov.x")
  y <- setdiff(lavNames(fit, "ov"), x)
  base_model <- paste(c(paste(y, "~~", y),
                        paste(y[1], "~", paste0("0*", x, collapse = " + "))), collapse = "\n")
  dots <- list(...)
  dots$group.equal <- NULL
  base <- do.call(sem_refined, c(list(base_model, data = data,
                                      meanstructure = lavInspect(fit, "meanstructure")), dots))
  stopifnot(fitMeasures(base, "df") == fitMeasures(fit, "baseline.df"))
  write_fit(fit, case, baseline = base)
}

# --- fixed.x = TRUE (sem()'s default) --------------------------------------------------
write_fit(sem_refined(MIMIC, data = HS), "mimic")
write_fit(sem_refined(MIMIC, data = HS, meanstructure = TRUE), "mimic_means")
write_fit(sem_refined(PATH, data = PD), "path")
write_fit(sem_refined(PD_NODIRECT, data = PD), "pd_nodirect")
# observed mediation with a defined indirect effect
write_fit(sem_refined("y1 ~ a*x1\ny5 ~ b*y1\nind := a*b", data = PD), "mediation")
write_fit(sem_refined(MIMIC, data = HS, group = "school"), "mimic_groups")
write_fit(sem_refined(MIMIC, data = HS, group = "school",
                      group.equal = c("loadings", "regressions")), "mimic_groups_equal")
# an observed path model by school with equal intercepts, residual variances and regressions
write_fit(sem_refined("x9 ~ x7 + x8 + ageyr\nx8 ~ x7", data = HS, group = "school",
                      group.equal = c("intercepts", "residuals", "regressions")),
          "path_groups_equal")
robust_case(MIMIC, HS, "mimic_mlr", estimator = "MLR")
robust_case(PATH, PD, "path_mlr", estimator = "MLR")
robust_case(MIMIC, HS, "mimic_mlm", estimator = "MLM")
robust_case(MIMIC, HS, "mimic_mlmv", estimator = "MLMV")
robust_case(MIMIC, HS, "mimic_mlr_groups", estimator = "MLR", group = "school",
            group.equal = c("loadings", "regressions"))
# FIML with missing values in the indicators only (the covariates are complete)
write_fit(sem_refined(MIMIC, data = HSm, missing = "ml"), "mimic_fiml")
robust_case(MIMIC, HSm, "mimic_fiml_mlr", missing = "ml", estimator = "MLR",
            em.h1.tol = 1e-12, em.h1.iter.max = 100000)
# a covariate missing in rows 3, 10 and 50: lavaan deletes those rows (fixed.x = TRUE)
HSmx <- HSm
HSmx$ageyr[c(3, 10, 50)] <- NA
write_fit(suppressWarnings(sem_refined(MIMIC, data = HSmx, missing = "ml")), "mimic_fiml_xmissing")
