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

from registry.demo.history import demo_payload
from registry.services.submission.return_form import values_from_payload

USERS = json.loads(Path(os.environ["LOAD_USERS"]).read_text()) if os.environ.get(
    "LOAD_USERS") else {"college": [], "university": [], "regulator": []}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMITTED = re.compile(r"/college/submitted/(\d+)/(\d+)")
SUBMITTED_MANY = re.compile(r"v=(\d+)(?:%3A|:)(\d+)")
RETURN_LINK = re.compile(r'href="/college/returns/(\d+)"')
REVIEW_LINK = re.compile(r'href="/review/returns/(\d+)"')
EXPLAIN_FORM = re.compile(r'action="(/college/returns/\d+/issues/\d+/explanation)"')
DECISION_VERSION = re.compile(r'name="version" value="(\d+)"')
LIST_FIELDS = ("programme.disciplines", "governance.mentor_incentives", "evaluation.barriers")
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


def page_text(html: str) -> str:
    """A page's main content as plain words (for a failure's message)."""
    main = html[html.find("<main"):] if "<main" in html else html
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


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

    def payload(self, programme: dict) -> dict:
        return demo_payload(self.identity["institution"], programme["code"], programme["level"],
                            self.period, 3 + next(self.round) % 5)

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
                files={"file": ("template.xlsx", template.content, "application/vnd."
                                "openxmlformats-officedocument.spreadsheetml.sheet")}
        ) as response:
            if response.status_code == 422:  # say which problems the page listed
                response.failure(f"422: {page_text(response.text)[:300]}")
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
                self.post_form(form.group(1), "explain", page.text, {
                    "text": "The figures are right: the programme ran small groups this year."})
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
        self.post_form(f"/review/returns/{return_id}", "review decision", page.text, {
            "version": version.group(1), "decision": decision,
            "comment": "" if decision == "approve" else "Please check the contact hours."})


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
