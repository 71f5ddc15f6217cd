"""The API's blueprint: flask-smorest's, with request bodies parsed by `bodies.parse_json`,
and every operation named and its error statuses documented."""

from __future__ import annotations

import typing
from collections.abc import Callable
from http import HTTPStatus

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

    @staticmethod
    def error_responses(*statuses: int) -> dict[int, str]:
        """The error statuses an operation answers, each a reference to a response of the
        error shape. 400 is always among them: text holding NUL is refused on every request.
        """
        return {status: HTTPStatus(status).name for status in sorted({400, *statuses})}

    def operation(self, operation_id: str, *errors: int) -> Callable:
        """Name the operation (a stable camelCase operationId, the generated function's
        name) and document the error statuses it can answer besides 400."""
        return self.doc(operationId=operation_id, responses=self.error_responses(*errors))
