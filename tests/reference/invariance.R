# Reference results for psychometrics.structural.invariance from lavaan 0.6.14 (R): the
# invariance ladder of HolzingerSwineford1939 by school (ML and MLR; lavaan's group.equal),
# the partial scalar model and the score tests (lavTestScore) of the scalar constraints.
#
# Run from the repository root:  Rscript tests/reference/invariance.R
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")
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
for (est in c("ML", "MLR")) {
  fits <- lapply(EQ, function(eq) refined(HS_MODEL, data = HS, group = "school",
                                          group.equal = eq, estimator = est))
  keys <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
  if (est == "MLR") keys <- c("chisq.scaled", "df", "pvalue.scaled", "cfi.robust",
                              "tli.robust", "rmsea.robust", "srmr")
  tab <- do.call(rbind, lapply(fits, function(f) as.numeric(fitMeasures(f, keys))))
  colnames(tab) <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
  lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar, fits$strict)
  out <- data.frame(step = names(EQ), tab, chisq_diff = lrt[["Chisq diff"]],
                    df_diff = lrt[["Df diff"]], pvalue_diff = lrt[["Pr(>Chisq)"]])
  write.csv(out, file.path(out_dir, paste0("hs_school_", tolower(est), ".csv")),
            row.names = FALSE)
  if (est == "ML") {
    st <- lavTestScore(fits$scalar)$uni
    write.csv(as.data.frame(st), file.path(out_dir, "hs_school_scalar_score.csv"),
              row.names = FALSE)
    part <- refined(HS_MODEL, data = HS, group = "school",
                    group.equal = c("loadings", "intercepts"),
                    group.partial = c("x3 ~ 1", "x7 ~ 1"))
    fm <- fitMeasures(part, c("chisq", "df", "cfi", "rmsea", "srmr"))
    write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
              file.path(out_dir, "hs_school_scalar_partial.csv"), row.names = FALSE)
  }
}
