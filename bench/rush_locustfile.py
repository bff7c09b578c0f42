"""The ten-day deadline rush (bench/rush.sh): department staff log in and submit their reports while
leaders read the dashboards.

Staff (weight 300): log in, then per report: home → report form → submit, 5–25 s apart (about 20
requests/s offered by 300 users, as observed at a deadline); staff with nothing (left) to report
read their home page. A refused submit is a failure whose message is the refusal the form showed.
Leaders (weight 20): log in, then overview / a battle / a department page, 5–15 s apart.
Users and their (task, 旬) pairs come from benchmark-results/rush-users.json (bench/rush_setup.py).
"""

import html
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, events, task

USERS_FILE = Path(__file__).resolve().parents[1] / "benchmark-results" / "rush-users.json"
DATA = json.loads(Path(os.environ.get("RUSH_USERS", USERS_FILE)).read_text())
STAFF = itertools.cycle(sorted(DATA["staff"]))
LEADERS = itertools.cycle(DATA["leaders"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
METRIC = re.compile(r'name="(metric_\d+)"')
# Every request's end time, endpoint, response time and outcome, for the whole-run and steady-state
# percentiles bench/rush.sh prints (RUSH_REQUESTS: the CSV file to write).
if os.environ.get("RUSH_REQUESTS"):
    _requests = open(os.environ["RUSH_REQUESTS"], "w", buffering=1)  # noqa: SIM115 (open for the run)

    @events.request.add_listener
    def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
        _requests.write(f"{time.time():.3f},{name},{response_time:.1f},{0 if exception is None else 1}\n")


# What a re-shown form says: the page's error and warning messages and the fields' error lists.
MESSAGE = re.compile(r'<li class="msg-(?:error|warning)">(.*?)</li>', re.S)
FIELD_ERRORS = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', re.S)


def refusal(text):
    """Why the app refused a submit, from the form it showed again: its messages and field errors,
    tags stripped and digits replaced by # (names, times, versions), so that Locust's failure
    table (locust_failures.csv) counts each kind of refusal on one line."""
    found = [
        html.unescape(re.sub(r"<[^>]+>", " ", m)).split() for m in MESSAGE.findall(text) + FIELD_ERRORS.findall(text)
    ]
    reason = " | ".join(" ".join(words) for words in found) or "no message on the page"
    return re.sub(r"\d+", "#", reason)[:300]


def log_in(user, username):
    page = user.client.get("/login/", name="login form")
    token = CSRF.search(page.text).group(1)
    with user.client.post(
        "/login/",
        {"username": username, "password": DATA["password"], "csrfmiddlewaretoken": token},
        name="login",
        allow_redirects=False,
        catch_response=True,
    ) as response:
        if response.status_code != 302:
            response.failure(f"login answered {response.status_code}")


class DepartmentStaff(HttpUser):
    weight = 300
    wait_time = between(5, 25)

    def on_start(self):
        self.username = next(STAFF)
        self.todo = list(DATA["staff"][self.username])
        log_in(self, self.username)
        self.step = 0

    @task
    def deadline(self):
        if not self.todo:
            self.client.get("/", name="home")
            return
        task_id, period_id = self.todo[0]
        url = f"/tasks/{task_id}/report/{period_id}/"
        if self.step == 0:
            self.client.get("/", name="home")
        elif self.step == 1:
            with self.client.get(url, name="report form", allow_redirects=False, catch_response=True) as response:
                if response.status_code != 200:
                    # The form redirects to the report page once the report is no longer writable.
                    where = re.sub(r"\d+", "#", response.headers.get("Location", ""))
                    response.failure(f"report form answered {response.status_code} ({where})")
                    self.todo.pop(0)
                    self.step = 0
                    return
                self.form = response
        else:
            text = self.form.text if getattr(self, "form", None) is not None else ""
            version, token = VERSION.search(text), CSRF.search(text)
            if not (version and token):
                self.form = None
                self.step = 1  # fetch the form again
                return
            data = {
                "csrfmiddlewaretoken": token.group(1),
                "version": version.group(1),
                "action": "submit",
                "progress": "本旬召开专题调度会1次，推进项目建设，完成年度任务的"
                + str(random.randint(80, 100))
                + "%。",
                "task_status": "in_progress",
                "problems": "",
                "next_steps": "继续按计划推进。",
            }
            for name in set(METRIC.findall(text)):
                data[name] = str(random.randint(1, 500))
            with self.client.post(url, data, name="submit", allow_redirects=False, catch_response=True) as response:
                if response.status_code == 200:
                    response.failure(f"submit refused (form shown again): {refusal(response.text)}")
                elif response.status_code != 302:
                    response.failure(f"submit answered {response.status_code}")
            self.todo.pop(0)
            self.form = None
        self.step = (self.step + 1) % 3


class Leader(HttpUser):
    weight = 20
    wait_time = between(5, 15)

    def on_start(self):
        log_in(self, next(LEADERS))

    @task(3)
    def overview(self):
        self.client.get(f"/dashboard/{DATA['plan']}/", name="dashboard overview")

    @task(2)
    def battle(self):
        self.client.get(f"/dashboard/{DATA['plan']}/battle/{random.choice(DATA['battles'])}/", name="dashboard battle")

    @task(1)
    def department(self):
        pk = random.choice(DATA["departments"])
        self.client.get(f"/dashboard/{DATA['plan']}/department/{pk}/", name="dashboard department")
