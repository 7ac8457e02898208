"""Pure rule functions that turn point-in-time tables into explainable daily risk flags."""
