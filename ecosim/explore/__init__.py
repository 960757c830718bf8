"""Experiments: seeds, replications, designs, executors and result storage."""
