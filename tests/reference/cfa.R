# Reference results for psychometrics.factor.cfa from lavaan 0.6.14 (R).
#
# Run from the repository root:  Rscript tests/reference/cfa.R
# Writes tests/reference/cfa/<case>_{fit,estimates,mi,rescor,resmean}.csv and exports the data
# it fits to tests/reference/data/ (only files that are not already there). Every model is fitted
# on the data read back from the CSV files, so Python and R see exactly the same numbers.
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")

source("tests/reference/_common.R")
out_dir <- reference_dir("cfa")

HS <- export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")

# MCAR deletion: every item cell is deleted with probability 0.12 (seeded). No row loses all
# nine items (lavaan would drop such a row with a warning, as the Python port does).
items <- paste0("x", 1:9)
set.seed(20240611)
HSm <- lavaan::HolzingerSwineford1939[, c("id", items)]
for (v in items) HSm[runif(nrow(HSm)) < 0.12, v] <- NA
HSm <- export(HSm, "HolzingerSwineford1939_mcar")

bfi <- export(psych::bfi, "bfi")

HS_MODEL <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BFI_MODEL <- paste(
  "A =~ A1 + A2 + A3 + A4 + A5", "C =~ C1 + C2 + C3 + C4 + C5",
  "E =~ E1 + E2 + E3 + E4 + E5", "N =~ N1 + N2 + N3 + N4 + N5",
  "O =~ O1 + O2 + O3 + O4 + O5", sep = "\n")

write_fit <- function(fit, case) {
  fm <- fitMeasures(fit)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)),
            file.path(out_dir, paste0(case, "_fit.csv")), row.names = FALSE)
  pe <- parameterEstimates(fit, standardized = TRUE, remove.eq = TRUE)
  pe <- pe[pe$op != "==", ]
  write.csv(pe, file.path(out_dir, paste0(case, "_estimates.csv")), row.names = FALSE)
  mi <- modindices(fit)
  write.csv(mi, file.path(out_dir, paste0(case, "_mi.csv")), row.names = FALSE)
  res <- residuals(fit, type = "cor")
  write.csv(res$cov, file.path(out_dir, paste0(case, "_rescor.csv")))
  if (!is.null(res$mean)) {
    write.csv(data.frame(item = names(res$mean), value = as.numeric(res$mean)),
              file.path(out_dir, paste0(case, "_resmean.csv")), row.names = FALSE)
  }
  info <- data.frame(
    key = c("converged", "iterations", "ntotal", "information", "lavaan"),
    value = c(lavInspect(fit, "converged"), lavInspect(fit, "iterations"),
              lavInspect(fit, "ntotal"), lavInspect(fit, "options")$information[1],
              as.character(packageVersion("lavaan"))))
  write.csv(info, file.path(out_dir, paste0(case, "_info.csv")), row.names = FALSE)
  invisible(fit)
}

# 1. The classic three-factor model (marker-variable identification).
write_fit(cfa(HS_MODEL, data = HS), "hs")
# 2. The same with standardised latent variables.
write_fit(cfa(HS_MODEL, data = HS, std.lv = TRUE), "hs_stdlv")
# 3. A residual covariance written before the loadings.
write_fit(cfa(paste("x7 ~~ x8", HS_MODEL, sep = "\n"), data = HS), "hs_rescov")
# 4. Labels: an equality constraint and a fixed zero factor covariance.
write_fit(cfa(paste("visual =~ x1 + x2 + x3", "textual =~ x4 + b*x5 + b*x6",
                    "speed =~ x7 + x8 + x9", "visual ~~ 0*speed", sep = "\n"), data = HS),
          "hs_labels")
# 4b. Modifiers: a start value, a freed marker with the factor variance fixed, a fixed non-marker
#     loading, a single-indicator factor without residual variance, a fixed factor covariance.
write_fit(cfa(paste("visual =~ x1 + start(0.5)*x2 + x3", "textual =~ NA*x4 + x5 + x6",
                    "textual ~~ 1*textual", "speed =~ x7 + 0.5*x8 + x9", "age =~ ageyr",
                    "ageyr ~~ 0*ageyr", "visual ~~ 0*age", sep = "\n"), data = HS),
          "hs_special")
# 5. A covariance matrix instead of raw data (lavaan rescales it by (N-1)/N).
write_fit(cfa(HS_MODEL, sample.cov = cov(HS[, items]), sample.nobs = nrow(HS)), "hs_cov")
# 6. Full-information ML on the MCAR data (observed information for the standard errors).
write_fit(cfa(HS_MODEL, data = HSm, missing = "ml"), "hs_fiml")
# 7. Full-information ML on complete data (mean structure; srmr includes the means).
write_fit(cfa(HS_MODEL, data = HS, missing = "ml"), "hs_fiml_complete")
# 8. Full-information ML on psych::bfi, five factors, 25 items.
write_fit(cfa(BFI_MODEL, data = bfi, missing = "ml"), "bfi_fiml")
# 9. Listwise deletion on psych::bfi (lavaan's default for missing values).
write_fit(cfa(BFI_MODEL, data = bfi), "bfi_listwise")
