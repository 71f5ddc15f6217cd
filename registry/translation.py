"""Translation outside the web app: an app context in which flask-babel translates with the
registry's catalogues, for pipeline tasks that draw charts in the pages' languages.

The web app's Babel reads flask-babel's default folder, `translations` beside the registry
package; an app named after the package finds the same one.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask
from flask_babel import Babel


def translating_app(languages: Sequence[str]) -> Flask:
    """A bare app whose context translates into `languages` (config LANGUAGES) as the pages
    do; no database, no blueprints."""
    app = Flask("registry")
    app.config["LANGUAGES"] = tuple(languages)
    Babel(app)
    return app
