# Reference results for the least-squares estimators of psychometrics.structural
# (estimator = "GLS" and "ULS", complete data) from lavaan 0.6.14 (R).
#
# Run from the repository root:  Rscript tests/reference/sem_ls.R
# Writes tests/reference/sem/<case>_{fit,estimates}.csv for the cases below. lavaan's
# defaults for both: se = "standard", information = "expected", test = "standard"
# (chisq = 2 N fmin; fmin uses the unbiased covariance matrix and the factor (N - 1) / N).
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")

source("tests/reference/_common.R")
out_dir <- reference_dir("sem")

HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
HS_MODEL <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

write_ls <- function(fit, case) {
  stopifnot(lavInspect(fit, "converged"))
  fm <- fitMeasures(fit)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(out_dir, paste0(case, "_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(fit, standardized = TRUE, remove.eq = TRUE)
  if (!is.null(pe$group)) pe$group <- lavInspect(fit, "group.label")[pe$group]
  write.csv(pe, file.path(out_dir, paste0(case, "_estimates.csv")), row.names = FALSE)
  invisible(fit)
}

for (est in c("GLS", "ULS")) {
  e <- tolower(est)
  write_ls(cfa(HS_MODEL, data = HS, estimator = est), paste0("hs_", e))
  write_ls(cfa(HS_MODEL, data = HS, estimator = est, group = "school"),
           paste0("hs_", e, "_configural"))
  write_ls(cfa(HS_MODEL, data = HS, estimator = est, meanstructure = TRUE),
           paste0("hs_", e, "_means"))
}
