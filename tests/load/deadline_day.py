"""Deadline day as a locust scenario: every college's officers, the reviewers, the regulator.

Run by `make load` (tests/load/run.py), which prepares the registry, the users and this
file's inputs, and reads the outcome this file writes when locust stops. Alone:

    LOAD_USERS=users.json LOAD_OUTCOME=outcome.json \
    locust -f tests/load/deadline_day.py --headless --host http://127.0.0.1:5000 -u 50 -r 5

Users and weights follow the day: 185 colleges × 2 officers, 20 university reviewers and
3 regulator analysts (the weights below give that mix). Think times are a person's pace on
a form (seconds, not milliseconds). Each request is named for its task, so locust's table
reads per task.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import os
import re
import threading
import uuid
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from openpyxl import load_workbook

from registry.demo.history import demo_payload
from registry.services.submission.return_form import values_from_payload
from schemas import SCHEMA_VERSION, flatten_return
from schemas.tabular.template import FIRST_DATA_ROW, ONE_SHEET, save_workbook, write_cell

USERS = json.loads(Path(os.environ["LOAD_USERS"]).read_text()) if os.environ.get(
    "LOAD_USERS") else {"college": [], "university": [], "regulator": []}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMITTED = re.compile(r"/college/submitted/(\d+)/(\d+)")
SUBMITTED_MANY = re.compile(r"v=(\d+)(?:%3A|:)(\d+)")
RETURN_LINK = re.compile(r'href="/college/returns/(\d+)"')
REVIEW_LINK = re.compile(r'href="/review/returns/(\d+)"')
EXPLAIN_FORM = re.compile(r'action="(/college/returns/\d+/issues/\d+/explanation)"')
DECISION_VERSION = re.compile(r'name="version" value="(\d+)"')
UPLOAD_ERRORS = re.compile(r'<div[^>]*id="upload-errors"[^>]*>(.*?)</div>', re.S)
PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
FIELD_ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)
PROBLEM_ROW = re.compile(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", re.S)
LIST_FIELDS = ("programme.disciplines", "governance.mentor_incentives", "evaluation.barriers")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
API_RETRIES = 3
LOGIN_ATTEMPTS = 3
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Outcome:
    """What the scenario saw accepted, shared by every simulated user of this process."""

    accepted: set[tuple[int, int]] = set()
    replays = 0
    lock = threading.Lock()

    @classmethod
    def accept(cls, return_id: int, version: int) -> None:
        with cls.lock:
            cls.accepted.add((return_id, version))


@events.quitting.add_listener
def write_outcome(environment, **_kwargs) -> None:
    """Leave the accepted versions for the runner to compare with the database."""
    target = os.environ.get("LOAD_OUTCOME")
    if target:
        Path(target).write_text(json.dumps({
            "accepted": sorted(Outcome.accepted), "replays": Outcome.replays}))


_identities = {role: itertools.cycle(people) if people else None
               for role, people in USERS.items()}
_identity_lock = threading.Lock()


def next_identity(role: str) -> dict:
    with _identity_lock:
        return next(_identities[role])


_return_ok_secure = DefaultCookiePolicy.return_ok_secure


def return_ok_secure_on_loopback(policy, cookie, request) -> bool:
    """Send Secure cookies over plain http to loopback only: the production variant's
    session cookie is Secure (a deployment serves it behind TLS) and run.py talks http to
    gunicorn on 127.0.0.1; without this no web login holds there (every form post answered
    400, its CSRF session token never coming back). requests builds a fresh cookie jar for
    each request, so the policy is changed on the class, in the locust process only."""
    if urlsplit(request.get_full_url()).hostname in LOOPBACK:
        return True
    return _return_ok_secure(policy, cookie, request)


DefaultCookiePolicy.return_ok_secure = return_ok_secure_on_loopback


class Person(HttpUser):
    """A person who logs in to the web pages with a password."""

    abstract = True
    role = ""

    def on_start(self) -> None:
        self.identity = next_identity(self.role)
        for _attempt in range(LOGIN_ATTEMPTS):
            # a person whose login failed tries again (locust has counted the failure):
            # logged out, every later page would be the login page, counted as a success
            page = self.client.get("/login", name="login page")
            if not loaded(page):
                continue
            answer = self.client.post("/login", name="login", data={
                "email": self.identity["email"], "password": self.identity["password"],
                "csrf_token": csrf(page.text)})
            if loaded(answer) and not (answer.url or "").endswith("/login"):
                return

    def post_form(self, url: str, name: str, page_text: str, data: dict, **kwargs):
        return self.client.post(url, name=name, data={**data, "csrf_token": csrf(page_text)},
                                **kwargs)


def loaded(response) -> bool:
    """Whether a request got an answer that is not an error (0 when it got none at all;
    `response.ok` would raise the connection error)."""
    return 200 <= response.status_code < 400


def page_text(markup: str) -> str:
    """A page's main content as plain words (for a failure's message)."""
    main = markup[markup.find("<main"):] if "<main" in markup else markup
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def upload_problems(markup: str) -> str:
    """A refused upload's message and every problem the page lists ("where: what"), for the
    failure's message: locust groups failures by message, so each distinct list is counted."""
    box = UPLOAD_ERRORS.search(markup)
    if box is None:
        return "no problem list on the page: " + page_text(markup)[:300]
    paragraph = PARAGRAPH.search(box.group(1))
    message = page_text(paragraph.group(1)) if paragraph else ""
    problems = [f"{page_text(where)}: {page_text(what)}"
                for where, what in PROBLEM_ROW.findall(box.group(1))]
    return "; ".join([message, *problems]) if problems else message


# The review page's refusal of a decision on a version that is no longer open to it.
DECIDED_MEANWHILE = re.compile(r"Version \d+ (?:is \w+; '[\w ]+' applies only to"
                               r"|has been superseded by version)")


def field_error(markup: str) -> str:
    """The error messages a refused form's page shows beside its fields."""
    found = list(dict.fromkeys(page_text(message) for message in FIELD_ERROR.findall(markup)))
    return "; ".join(found) if found else "no error on the page: " + page_text(markup)[:300]


def csrf(text: str) -> str:
    found = CSRF.search(text)
    return found.group(1) if found else ""


class CollegeOfficer(Person):
    """A college's data officer finishing the year's returns on the last day."""

    role = "college"
    weight = 370
    wait_time = between(5, 20)

    def on_start(self) -> None:
        super().on_start()
        self.period = self.identity["period"]
        self.programmes = self.identity["programmes"]
        self.round = itertools.count(1)

    def payload(self, programme: dict, version: str = SCHEMA_VERSION) -> dict:
        return demo_payload(self.identity["institution"], programme["code"], programme["level"],
                            self.period, 3 + next(self.round) % 5, version)

    def filled_in(self, template: bytes) -> bytes:
        """The college's template as its officer uploads it: each programme's row holds this
        period's figures. The template comes pre-filled with last period's values, but a
        programme without a return last period has only its directory entry: uploaded as
        downloaded, its row is refused for every required field left empty."""
        workbook = load_workbook(io.BytesIO(template))
        sheet = workbook[ONE_SHEET]
        paths = [cell.value for cell in sheet[1]]
        programmes = {programme["code"]: programme for programme in self.programmes}
        for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_row=sheet.max_row):
            given = dict(zip(paths, (cell.value for cell in row), strict=False))
            programme = programmes.get(given.get("header.programme_code"))
            if programme is None:
                continue
            flat = flatten_return(self.payload(
                programme, given.get("header.schema_version") or SCHEMA_VERSION))
            for cell, path in zip(row, paths, strict=False):
                write_cell(cell, flat.get(path))
        return save_workbook(workbook)

    @task(5)
    def dashboard(self) -> None:
        self.client.get("/college", name="college dashboard")

    @task(3)
    def form_step_and_draft(self) -> None:
        programme = self.programmes[0]
        query = f"?period={self.period}&programme={programme['code']}"
        page = self.client.get("/college/submit" + query, name="form step")
        if not loaded(page):  # counted already; posting without its form's CSRF token gives 400
            return
        data = form_values(self.payload(programme))
        self.post_form("/college/submit", "draft save", page.text, {**data, "goto": "capacity"})

    @task(1)
    def web_submit(self) -> None:
        programme = self.programmes[-1]
        query = f"?period={self.period}&programme={programme['code']}"
        page = self.client.get("/college/submit" + query, name="form step")
        if not loaded(page):
            return
        response = self.post_form("/college/submit", "web submit", page.text,
                                  form_values(self.payload(programme)))
        for return_id, version in SUBMITTED.findall(response.url or ""):
            Outcome.accept(int(return_id), int(version))

    @task(1)
    def xlsx_upload(self) -> None:
        template = self.client.get(f"/college/template.xlsx?period={self.period}",
                                   name="template download")
        page = self.client.get("/college/upload", name="upload page")
        if not (loaded(template) and loaded(page)):
            return
        with self.client.post(
                "/college/upload", name="xlsx upload", catch_response=True,
                data={"csrf_token": csrf(page.text)},
                files={"file": ("template.xlsx", self.filled_in(template.content), XLSX)}
        ) as response:
            if response.status_code == 422:  # the page's message and its list of problems
                response.failure(f"422: {upload_problems(response.text)}")
        for return_id, version in SUBMITTED_MANY.findall(response.url or ""):
            Outcome.accept(int(return_id), int(version))

    @task(2)
    def api_submit(self) -> None:
        """A college system's submission: one key per return, retried on failure."""
        body = self.payload(self.programmes[0])
        headers = {"Authorization": f"Bearer {self.identity['token']}",
                   "Idempotency-Key": str(uuid.uuid4())}
        for _attempt in range(API_RETRIES):
            response = self.client.post("/api/v1/returns", name="api submit", json=body,
                                        headers=headers)
            if response.status_code in (200, 201):
                result = response.json()
                Outcome.accept(result["id"], result["version"])
                if response.status_code == 200:
                    Outcome.replays += 1
                return
            if response.status_code < 500:
                return

    @task(3)
    def findings(self) -> None:
        dashboard = self.client.get("/college", name="college dashboard")
        returns = RETURN_LINK.findall(dashboard.text)
        if returns:
            self.client.get(f"/college/returns/{returns[0]}", name="findings page")

    @task(1)
    def explain(self) -> None:
        dashboard = self.client.get("/college", name="college dashboard")
        for return_id in RETURN_LINK.findall(dashboard.text)[:3]:
            page = self.client.get(f"/college/returns/{return_id}", name="findings page")
            form = EXPLAIN_FORM.search(page.text)
            if form:
                with self.post_form(form.group(1), "explain", page.text, {
                        "text": "The figures are right: the programme ran small groups this "
                                "year."}, catch_response=True) as response:
                    if response.status_code == 422:  # the message the page shows the issue
                        response.failure(f"422: {field_error(response.text)}")
                return


class UniversityReviewer(Person):
    """A university reviewer working through the affiliated colleges' returns."""

    role = "university"
    weight = 20
    wait_time = between(10, 30)

    @task(3)
    def queue(self) -> None:
        self.client.get("/review", name="review queue")

    @task(2)
    def decide(self) -> None:
        queue = self.client.get("/review", name="review queue")
        waiting = REVIEW_LINK.findall(queue.text)
        if not waiting:
            return
        return_id = waiting[hash(self.identity["email"]) % len(waiting)]
        page = self.client.get(f"/review/returns/{return_id}", name="review page")
        version = DECISION_VERSION.search(page.text)
        if version is None:
            return
        decision = "approve" if int(return_id) % 5 else "return"
        with self.post_form(f"/review/returns/{return_id}", "review decision", page.text, {
                "version": version.group(1), "decision": decision,
                "comment": "" if decision == "approve" else "Please check the contact hours."},
                catch_response=True) as response:
            if response.status_code == 422:  # the message the page shows the decision
                refusal = field_error(response.text)
                if DECIDED_MEANWHILE.search(refusal):
                    # Reviewers of one university share a queue, and colleges keep
                    # submitting: the page rightly refuses a decision on a version another
                    # reviewer decided, or the college replaced, since it was loaded.
                    # Counted apart, as the outcome it is, not as an error.
                    response.request_meta["name"] = "review decision (decided meanwhile)"
                    response.success()
                else:
                    response.failure(f"422: {refusal}")


class RegulatorAnalyst(Person):
    """A regulator's analyst watching compliance and the national figures."""

    role = "regulator"
    weight = 3
    wait_time = between(10, 30)

    @task(3)
    def compliance(self) -> None:
        self.client.get("/regulator/compliance", name="compliance tracker")

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/regulator", name="national dashboard")

    @task(1)
    def benchmarks(self) -> None:
        self.client.get("/benchmarks", name="benchmarks")

    @task(1)
    def quality_board(self) -> None:
        self.client.get("/quality/board", name="quality board")


def form_values(payload: dict) -> dict:
    """The web form's fields for a payload (code lists as repeated fields)."""
    return {path: value.split(";") if path in LIST_FIELDS else value
            for path, value in values_from_payload(payload).items()}
