"""ecosim: does a policy mix reach the R&D-intensity target, how likely, and which levers matter."""
__version__ = "0.1.0"
