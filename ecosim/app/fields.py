"""A text field that hands over what it shows when Enter is pressed or it loses focus.

Solara's ``InputText`` reads the widget's synced value when the Enter event arrives; the browser may send
that event before the last keystrokes' value (value updates wait for the server's acknowledgement, events
do not), so a quickly typed ``12`` could arrive as ``1``. Here the browser sends the text with the event.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvuetify
import solara
import traitlets

TEMPLATE = """
<template>
  <v-text-field v-model="text" :label="label" :error-messages="error" :hint="hint" persistent-hint dense
                @keyup.enter="commit(text)" @blur="commit(text)"></v-text-field>
</template>
"""


class CommitTextField(ipyvuetify.VuetifyTemplate):
    """A Vuetify text field whose ``commit`` message carries the text it shows."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    commit_callback = traitlets.Any(None, allow_none=True)
    """Called with the text on Enter or when the field loses focus (not synced to the browser)."""

    def vue_commit(self, text) -> None:
        """The browser's Enter or blur, with the text shown then."""
        if self.commit_callback is not None:
            self.commit_callback(str(text if text is not None else ""))


@solara.component
def TextField(label: str, text: str, on_commit: Callable[[str], None], error: str = "", hint: str = "",
              classes: list[str] | None = None, style: dict[str, str] | None = None):
    """A field showing ``text``; ``on_commit(text)`` hears what the planner typed when they press Enter or
    leave the field. ``error`` (shown in red under it) says why the last text was refused."""
    with solara.Div(classes=classes or [], style=style):
        CommitTextField.element(label=label, text=text, error=error, hint=hint, commit_callback=on_commit)
