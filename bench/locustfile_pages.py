"""Locust users for bench/bench_pages.py (not meant to be run on its own).

Environment: BENCH_TARGET=pages|minimal, BENCH_PAGES_CONFIG (JSON: district, school, school_id, school_ids,
password), BENCH_PAGES_OUT (where the measured samples are written when locust quits), BENCH_USERS (how many
users must have logged in before requests are measured), BENCH_MEASURE_SECONDS (how long to measure once every
user is in; the run then stops itself — locust's own `-t` is only a safety cap).

Every user logs in through the login form (CSRF token and all). Half are a district viewer, half a school
secretary. With BENCH_TARGET=pages they browse the main pages; with BENCH_TARGET=minimal they request the
baseline view `/bench/minimal/` instead, with the same think time.
"""

import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

TARGET = os.environ.get("BENCH_TARGET", "pages")
CONFIG = json.loads(Path(os.environ["BENCH_PAGES_CONFIG"]).read_text()) if "BENCH_PAGES_CONFIG" in os.environ else {}
EXPECTED_USERS = int(os.environ.get("BENCH_USERS", "20"))
MEASURE_SECONDS = float(os.environ.get("BENCH_MEASURE_SECONDS", "30"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATE = {"measured_s": 0.0, "logged_in": 0, "samples": [], "by_name": {}, "errors": 0, "error_examples": []}


@events.request.add_listener
def record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    if name in ("login", "login form"):
        if exception is not None:
            STATE["errors"] += 1
        return
    if exception is not None:
        STATE["errors"] += 1
        if len(STATE["error_examples"]) < 5:
            STATE["error_examples"].append(f"{name}: {exception}")
        return
    if STATE["logged_in"] >= EXPECTED_USERS:  # measure only once every user is in (no login storm)
        STATE["samples"].append(response_time)
        STATE["by_name"].setdefault(name, []).append(response_time)


@events.quitting.add_listener
def write_results(environment, **kwargs):
    out = os.environ.get("BENCH_PAGES_OUT")
    if out:
        Path(out).write_text(
            json.dumps(
                {
                    "target": TARGET,
                    "measured_s": STATE["measured_s"],
                    "logged_in": STATE["logged_in"],
                    "samples_ms": STATE["samples"],
                    "by_name_ms": STATE["by_name"],
                    "errors": STATE["errors"],
                    "error_examples": STATE["error_examples"],
                }
            )
        )


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    username = ""

    def on_start(self):
        form = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(form.text)
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": CONFIG["password"], "csrfmiddlewaretoken": token and token[1]},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/accounts/login/" in response.headers.get(
                "Location", "/accounts/login/"
            ):
                response.failure(f"login failed for {self.username}: HTTP {response.status_code}")
            else:
                response.success()
        STATE["logged_in"] += 1
        if STATE["logged_in"] == EXPECTED_USERS:
            # everyone is in: measure for a fixed time from now, then stop the run
            gevent.spawn(self._stop_after, self.environment, time.monotonic())

    @staticmethod
    def _stop_after(environment, started: float):
        gevent.sleep(MEASURE_SECONDS)
        STATE["measured_s"] = time.monotonic() - started
        environment.runner.quit()

    def page(self, url: str, name: str):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{name}: HTTP {response.status_code}")

    def minimal(self):
        self.page("/bench/minimal/", "minimal")


class DistrictViewer(PortalUser):
    username = CONFIG.get("district", "")

    @task
    def browse(self):
        if TARGET == "minimal":
            return self.minimal()
        choice = random.random()  # noqa: S311
        if choice < 0.25:
            self.page("/dashboard/", "dashboard")
        elif choice < 0.45:
            self.page("/schools/", "school list")
        elif choice < 0.70:
            self.page(f"/schools/{random.choice(CONFIG['school_ids'])}/", "school detail")  # noqa: S311
        elif choice < 0.85:
            self.page("/decisions/", "decision list")
        else:
            self.page("/meetings/", "meeting list")


class SchoolSecretary(PortalUser):
    username = CONFIG.get("school", "")

    @task
    def browse(self):
        if TARGET == "minimal":
            return self.minimal()
        school = CONFIG["school_id"]
        choice = random.random()  # noqa: S311
        if choice < 0.25:
            self.page(f"/school/{school}/dashboard/", "school dashboard")
        elif choice < 0.45:
            self.page("/schools/", "school list")
        elif choice < 0.70:
            self.page(f"/schools/{school}/", "school detail")
        elif choice < 0.85:
            self.page("/decisions/", "decision list")
        else:
            self.page("/meetings/", "meeting list")
