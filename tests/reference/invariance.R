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

# --- across waves: a two-wave data set from HolzingerSwineford1939 -------------------------
# Wave t1 is the Pasteur school, wave t2 Grant-White, respondents paired by their position in
# their school (pid 0, 1, ...): 145 in both waves, 11 in t1 only (kept, FIML). The
# longitudinal model is written here independently of the Python builder: one factor per
# wave, markers 1, each item's residuals correlated across waves, labels for the equalities,
# factor means 0 until the scalar step (then free in t2).
P <- HS[HS$school == "Pasteur", ]
G <- HS[HS$school == "Grant-White", ]
items <- c("x1", "x2", "x3")
w1 <- setNames(P[, items], paste0(items, "_t1"))
w2 <- setNames(G[, items], paste0(items, "_t2"))
w1$pid <- seq_len(nrow(w1)) - 1
w2$pid <- seq_len(nrow(w2)) - 1
wide <- merge(w1, w2, by = "pid", all = TRUE)
long_syntax <- function(level) {
  lines <- character(0)
  for (k in 1:2) {
    lab <- if (level >= 1) c("1*", "L2*", "L3*") else c("1*", "", "")
    lines <- c(lines, paste0("visual_t", k, " =~ ", paste0(lab, items, "_t", k,
                                                           collapse = " + ")))
    for (x in items) {
      lines <- c(lines, paste0(x, "_t", k, " ~ ", if (level >= 2) paste0("I_", x, "*") else "",
                               "1"))
      if (level >= 3) lines <- c(lines, paste0(x, "_t", k, " ~~ E_", x, "*", x, "_t", k))
    }
    lines <- c(lines, paste0("visual_t", k, " ~ ", if (level >= 2 && k == 2) "" else "0*",
                             "1"))
  }
  for (x in items) lines <- c(lines, paste0(x, "_t1 ~~ ", x, "_t2"))
  paste(lines, collapse = "\n")
}
lfits <- lapply(0:3, function(l) refined(long_syntax(l), data = wide, missing = "ml"))
tab <- do.call(rbind, lapply(lfits, function(f)
  as.numeric(fitMeasures(f, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")))))
colnames(tab) <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
lrt <- lavTestLRT(lfits[[1]], lfits[[2]], lfits[[3]], lfits[[4]])
write.csv(data.frame(step = names(EQ), tab, chisq_diff = lrt[["Chisq diff"]],
                     df_diff = lrt[["Df diff"]], pvalue_diff = lrt[["Pr(>Chisq)"]]),
          file.path(out_dir, "hs_waves_ml.csv"), row.names = FALSE)

# --- bfi by gender (ML, listwise as lavaan's default) ---------------------------------------
bfi <- export(psych::bfi, "bfi")
BFI_MODEL <- paste(
  "A =~ A1 + A2 + A3 + A4 + A5", "C =~ C1 + C2 + C3 + C4 + C5",
  "E =~ E1 + E2 + E3 + E4 + E5", "N =~ N1 + N2 + N3 + N4 + N5",
  "O =~ O1 + O2 + O3 + O4 + O5", sep = "\n")
bfits <- lapply(EQ, function(eq) refined(BFI_MODEL, data = bfi, group = "gender",
                                         group.equal = eq))
tab <- do.call(rbind, lapply(bfits, function(f)
  as.numeric(fitMeasures(f, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")))))
colnames(tab) <- c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
lrt <- lavTestLRT(bfits$configural, bfits$metric, bfits$scalar, bfits$strict)
write.csv(data.frame(step = names(EQ), tab, chisq_diff = lrt[["Chisq diff"]],
                     df_diff = lrt[["Df diff"]], pvalue_diff = lrt[["Pr(>Chisq)"]]),
          file.path(out_dir, "bfi_gender_ml.csv"), row.names = FALSE)
