"""The notebook API: each function takes scenarios (or an experiment), runs them through the one path
of :mod:`ecosim.explore` and reads the tables with the statistics of :mod:`ecosim.analysis`; writing
files is the caller's choice (:mod:`ecosim.outputs`). ``import ecosim`` re-exports them."""
