"""Size limits for what the report commits to docs/ (read by plots.py and scripts/check-docs).

docs/ as a whole stays under 4 MiB with room for more figures, so each figure has a byte
budget: plots.py writes palette PNGs sized for the page and fails on one over the budget.
"""

PLOT_BYTES = 32 * 1024
PLOT_SUFFIXES = (".png", ".svg")
