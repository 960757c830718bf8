"""Serving the what-if page: Solara's server on a loopback address, its scripts and styles from this machine
only, the worker processes started while the first browser connects.

Solara reads its settings from the environment when it is first imported, so this module imports it
only in :func:`serve`, after setting them."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
import threading
import warnings

from ecosim.app.runs import shared_pool
from ecosim.errors import ScenarioError

REGION_ENV = "ECOSIM_APP_REGION"
"""The environment variable through which ``ecosim app --region`` names the region to the page."""
PAGE_MODULE = "ecosim.app.page"
"""The module Solara serves (its ``Page`` component)."""
OFFLINE_SETTINGS = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_THEME_SHOW_BANNER": "False",
}
"""Solara's settings for a page that uses no network: no usage reports, its assets served by the server
itself (from the ``solara-assets`` package; see :func:`refuse_cdn`)."""


class AssetMissing(RuntimeError):
    """A script or style the page needs is not installed here; the page never fetches one from the network."""


def refuse_cdn(url: str) -> bytes:
    """Stand-in for Solara's fetch of an asset missing from its local copy: says what is missing and how to
    install it, and fetches nothing (the page runs without network)."""
    message = (f"ecosim app: the page asset {url.rsplit('/', 3)[-3:]} is not installed here and is not fetched from "
               "the network; install the page's assets with: pip install -e '.[app]' (package solara-assets)")
    print(message, file=sys.stderr, flush=True)
    raise AssetMissing(message)


def check_address(host: str, port: int) -> None:
    """Refuse an address the page cannot listen on (naming ``--host`` or ``--port`` and why) before Solara starts."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except socket.gaierror:
            raise ScenarioError("ecosim app", "--host", f"{host!r} is not an address of this machine; the default "
                                                        "127.0.0.1 serves this machine only") from None
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                raise ScenarioError("ecosim app", "--host", f"{host} is not an address of this machine; the "
                                                            "default 127.0.0.1 serves this machine only") from None
            raise ScenarioError("ecosim app", "--port", f"cannot listen on {host}:{port} ({error.strerror}); "
                                                        "choose another with --port") from None


def is_loopback(host: str) -> bool:
    """Whether ``host`` serves this machine only."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def url(host: str, port: int) -> str:
    """The address to open in a browser."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(host: str, port: int, region: str | None) -> int:
    """Serve the page until Ctrl-C; ``region`` (a built-in name or a bundle folder) replaces each scenario's."""
    check_address(host, port)
    os.environ[REGION_ENV] = region or ""
    for key, value in OFFLINE_SETTINGS.items():
        os.environ[key] = value
    import solara.server.cdn_helper as cdn_helper
    from solara.__main__ import run as solara_run

    cdn_helper.fetch_from_cdn = refuse_cdn
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    threading.Thread(target=shared_pool().warm_up, name="warm-up", daemon=True).start()
    print(f"ecosim app: open {url(host, port)} in a browser (Ctrl-C stops the page)", flush=True)
    if not is_loopback(host):
        print(f"ecosim app: note: {host} is not a loopback address, so other machines can reach the page; it has "
              "no login", flush=True)
    try:
        solara_run.main([PAGE_MODULE, "--host", host, "--port", str(port), "--no-open", "--production",
                         "--no-check-version", "--log-level-uvicorn", "warning"], standalone_mode=False)
    finally:
        shared_pool().shutdown()
    return 0
