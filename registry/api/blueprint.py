"""The API's blueprint: flask-smorest's, with request bodies parsed by `bodies.parse_json`."""

from __future__ import annotations

import typing

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from registry.api.bodies import parse_json


class StrictJSONParser(FlaskParser):
    """webargs' Flask parser reading JSON bodies as every other API body is read."""

    def load_json(self, req: flask.Request, schema: typing.Any) -> typing.Any:
        """Return the parsed JSON body, or missing when the request is not JSON."""
        if not is_json_request(req):
            return core.missing
        return parse_json(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose `@arguments` bodies refuse what returns refuse."""

    ARGUMENTS_PARSER = StrictJSONParser()
