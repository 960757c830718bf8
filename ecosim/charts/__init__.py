"""Charts in one house style, labelled in English or Chinese.

Every chart function takes analysis results and returns a matplotlib Figure; :func:`save`
writes it as PNG (300 dpi) and SVG.
"""

from ecosim.charts.compare import compare_chart
from ecosim.charts.contribution import contribution_chart
from ecosim.charts.cost import cost_chart
from ecosim.charts.fan import fan_chart
from ecosim.charts.fonts import CJKFontMissing, cjk_font
from ecosim.charts.style import save

__all__ = ["CJKFontMissing", "cjk_font", "compare_chart", "contribution_chart", "cost_chart", "fan_chart", "save"]
