# Reference SRMR of ordinal CFA fits (pm.cfa(..., ordered=True)) from lavaan 0.6.14, on data
# beyond tests/reference/ordinal_cfa.R's: psych's bfi neuroticism and extraversion items
# (6 categories, listwise; one group, by gender, ULSMV) and the HolzingerSwineford1939 items
# cut at their tertiles into 3 categories (one group; by school with equal loadings and
# thresholds). lavaan's fitMeasures(fit, "srmr") for categorical data is the SRMR of the
# polychoric correlations (Bentler's, no means), the N-weighted mean of the groups' with
# several groups (srmr_bentler_nomean); srmr_bentler (with the thresholds) and crmr are
# recorded beside it.
#
# Run from the repository root:  Rscript tests/reference/ordinal_srmr.R
# Writes tests/reference/ordinal_cfa/srmr.json and tests/reference/data/hs_tertiles.csv.
suppressPackageStartupMessages(library(lavaan))
stopifnot(packageVersion("lavaan") == "0.6.14")
source("tests/reference/_common.R")
out_dir <- reference_dir("ordinal_cfa")

bfi <- read.csv(file.path(data_dir, "bfi.csv"))
ne <- c(paste0("N", 1:5), paste0("E", 1:5))
bfi_ne <- na.omit(bfi[, c(ne, "gender")])
m_ne <- "neuro =~ N1 + N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5"

hs <- read.csv(file.path(data_dir, "HolzingerSwineford1939.csv"))
tertiles <- function(x) cut(x, quantile(x, c(0, 1, 2, 3) / 3), include.lowest = TRUE,
                            labels = FALSE)
hs3 <- data.frame(lapply(hs[, paste0("x", 1:9)], tertiles), school = hs$school)
hs3 <- export(hs3, "hs_tertiles")
m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

MEASURES <- c("srmr", "srmr_bentler", "srmr_bentler_nomean", "crmr",
              "chisq.scaled", "cfi.scaled", "npar")
one <- function(fit) {
  stopifnot(lavInspect(fit, "converged"))
  fm <- fitMeasures(fit)
  as.list(setNames(as.numeric(fm[MEASURES]), MEASURES))
}
items_ne <- bfi_ne[, ne]
out <- list(
  bfi_ne = one(cfa(m_ne, data = items_ne, ordered = TRUE, estimator = "WLSMV")),
  bfi_ne_ulsmv = one(cfa(m_ne, data = items_ne, ordered = TRUE, estimator = "ULSMV")),
  bfi_ne_gender = one(cfa(m_ne, data = bfi_ne, ordered = TRUE, estimator = "WLSMV",
                          group = "gender")),
  hs3 = one(cfa(m_hs, data = hs3[, paste0("x", 1:9)], ordered = TRUE, estimator = "WLSMV")),
  hs3_school = one(cfa(m_hs, data = hs3, ordered = TRUE, estimator = "WLSMV",
                       group = "school", group.equal = c("loadings", "thresholds")))
)
save_json(out, "srmr")
