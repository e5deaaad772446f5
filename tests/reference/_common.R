# Shared by the reference scripts: where the public data and R's results go, and how they
# are written. Each script runs from the repository root and starts with
#   source("tests/reference/_common.R"); out_dir <- reference_dir("<area>")

suppressPackageStartupMessages(library(jsonlite))

data_dir <- file.path("tests", "reference", "data")
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

reference_dir <- function(name) {
  out <- file.path("tests", "reference", name)
  dir.create(out, showWarnings = FALSE, recursive = TRUE)
  out
}

# Write a public data set to tests/reference/data/<name>.csv unless it is there, and return
# it as read back, so that R fits exactly the numbers Python reads.
export <- function(df, name) {
  path <- file.path(data_dir, paste0(name, ".csv"))
  if (!file.exists(path)) write.csv(df, path, row.names = FALSE)
  invisible(read.csv(path))
}

# R's results as JSON, full precision, matrices row-major, NA as null.
save_json <- function(x, name, dir = out_dir) {
  write_json(x, file.path(dir, paste0(name, ".json")), digits = NA,
             auto_unbox = TRUE, null = "null", na = "null", matrix = "rowmajor")
}

# A matrix as {rows, cols, data} (row-major in JSON); NULL stays NULL.
mat <- function(m) {
  if (is.null(m)) return(NULL)
  m <- unclass(as.matrix(m))
  list(rows = rownames(m), cols = colnames(m), data = unname(m))
}

# The public data sets several scripts use.
export(psych::bfi, "bfi")
export(lavaan::HolzingerSwineford1939, "HolzingerSwineford1939")
harman <- datasets::Harman74.cor$cov
export(as.data.frame(harman), "Harman74_cor")
bfi_items <- psych::bfi[, 1:25]
hs <- lavaan::HolzingerSwineford1939[, paste0("x", 1:9)]
