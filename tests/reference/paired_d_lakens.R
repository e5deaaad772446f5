# Reference d_z, d_rm and d_av of paired scores (pm.effect_size(..., kind="d_av" / "d_rm"),
# pm.change) computed in base R from Lakens (2013), beside the convention R's effectsize
# uses. effectsize 0.8.3 (installed) has no repeated_measures_d(); its later versions'
# .paired_d() standardise d_av by sqrt((var(x) + var(y)) / 2) (Cumming 2013, p. 291), while
# Lakens (2013, eq. 10, after Cumming 2012) divides by the mean of the two SDs,
# (SD1 + SD2) / 2. The two agree when SD1 = SD2 and differ otherwise (the mean of the SDs
# is at most their root mean square). d_rm (Lakens eq. 9) and d_z (eq. 6) have one form.
#
# Run from the repository root:  Rscript tests/reference/paired_d_lakens.R
# Writes tests/reference/evaluation/paired_lakens.json (and data/anorexia.csv, MASS's
# anorexia weights, a case with unequal SDs before and after).
source("tests/reference/_common.R")
out_dir <- reference_dir("evaluation")

sleep_wide <- read.csv(file.path(data_dir, "sleep_wide.csv"))
immer <- read.csv(file.path(data_dir, "immer.csv"))
anorexia <- export(MASS::anorexia, "anorexia")

# pre, post: baseline and later scores; every d is post relative to pre
lakens <- function(pre, post) {
  d <- post - pre
  m <- mean(d)
  sd1 <- sd(pre); sd2 <- sd(post); r <- cor(pre, post)
  list(
    n = length(d), sd_pre = sd1, sd_post = sd2, r = r,
    # eq. 6: the mean difference over the SD of the differences
    d_z = m / sqrt(sum((d - m)^2) / (length(d) - 1)),
    # eq. 9: over the SD of the differences corrected for the correlation
    d_rm = m / sqrt(sd1^2 + sd2^2 - 2 * r * sd1 * sd2) * sqrt(2 * (1 - r)),
    # eq. 10: over the mean of the two SDs
    d_av_lakens = m / ((sd1 + sd2) / 2),
    # effectsize >= 0.8.5 (repeated_measures_d(method = "av")): the root mean square
    d_av_rms = m / sqrt((sd1^2 + sd2^2) / 2)
  )
}

save_json(list(
  note = paste("Lakens (2013) eqs. 6, 9, 10 in base R; d_av_rms is effectsize >= 0.8.5's",
               "d_av (sqrt of the mean variance), the convention psychometrics follows"),
  sleep = c(list(data = "sleep_wide", pre = "drug1", post = "drug2"),
            lakens(sleep_wide$drug1, sleep_wide$drug2)),
  immer = c(list(data = "immer", pre = "Y1", post = "Y2"), lakens(immer$Y1, immer$Y2)),
  anorexia = c(list(data = "anorexia", pre = "Prewt", post = "Postwt"),
               lakens(anorexia$Prewt, anorexia$Postwt))
), "paired_lakens")
