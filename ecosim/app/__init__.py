"""The what-if page (``ecosim app``): a planner picks a scenario, moves the levers and sees the fan, the
chance of meeting the target and the cost, in English or Chinese.

An interface, like :mod:`ecosim.cli`: the page (:mod:`ecosim.app.page`) and the server
(:mod:`ecosim.app.server`) need Solara (the ``app`` extra); the modules it builds on (the lever
catalogue as the page groups it, the runs in worker processes, the answer, the exports) do not, so
they are tested without a browser and ``import ecosim`` never loads Solara.
"""
