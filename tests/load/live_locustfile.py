"""`make loadtest-live`: participants follow the live page, polling its state view at the rate
the page itself uses (read from the page), with the ETag of the last answer; one member of the
secretariat advances the queue from the live desk every few seconds. Any 5xx counts as a
server error."""

import json
import os
import re

from locust import FastHttpUser, HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
COOKIES = iter(PLAN["participants"])
POLL_MS = re.compile(r'data-poll-ms="(\d+)"')
VERSION = re.compile(r'data-version="([^"]*)"')
TOKEN = re.compile(r'data-live-token="([^"]*)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CALL_NEXT = re.compile(
    r'name="action" value="call_next">'
    r'<input type="hidden" name="floor_request" value="(\d+)">'
    r'<input type="hidden" name="agenda_item" value="(\d+)">'
)
SPEAKER = re.compile(
    r'name="action" value="(start|delivered)">.*?name="floor_request" value="(\d+)"'
)
LIVE = f"/en/sessions/{PLAN['session']}/live/"
STATE = LIVE + "state/"
DESK = LIVE + "desk/"


class Participant(FastHttpUser):
    """A confirmed registrant with the live page open: what static/js/live.js does."""

    weight = 1000

    def wait_time(self) -> float:
        # The page asks again this long after each answer (static/js/live.js).
        return self.interval

    def on_start(self):
        self.cookie = f"sessionid={next(COOKIES)}; django_language=en"
        page = self.client.get(LIVE, headers={"Cookie": self.cookie}, name="live page")
        self.etag = VERSION.search(page.text).group(1).replace("&quot;", '"')
        self.token = TOKEN.search(page.text).group(1)
        self.interval = int(POLL_MS.search(page.text).group(1)) / 1000
        STARTED.append(self.etag)

    @task
    def poll(self):
        headers = {
            "Cookie": self.cookie,
            "If-None-Match": self.etag,
            "X-Live-Token": self.token,
            "Accept": "application/json",
        }
        with self.client.get(STATE, headers=headers, name="state", catch_response=True) as answer:
            if answer.status_code == 304:
                answer.success()
            elif answer.status_code == 200:
                self.etag = answer.headers.get("ETag", self.etag)
                answer.success()
            elif answer.status_code >= 500:
                answer.failure(f"server error {answer.status_code}")
            else:
                answer.failure(f"unexpected {answer.status_code}")


class Desk(HttpUser):
    """The secretariat: call the next speaker, start the timer, mark delivered, every few
    seconds."""

    fixed_count = 1
    wait_time = between(PLAN["desk_every"] * 0.8, PLAN["desk_every"] * 1.2)

    def on_start(self):
        self.client.cookies.set("sessionid", PLAN["desk"])
        self.client.cookies.set("django_language", "en")

    @task
    def advance(self):
        page = self.client.get(DESK, name="desk page")
        csrf = CSRF.search(page.text)
        if csrf is None:
            return
        data = {"csrfmiddlewaretoken": csrf.group(1)}
        speaker = SPEAKER.search(page.text)
        call = CALL_NEXT.search(page.text)
        if speaker is not None:
            data.update({"action": speaker.group(1), "floor_request": speaker.group(2)})
        elif call is not None:
            data.update({"action": "call_next"})
            data.update({"floor_request": call.group(1), "agenda_item": call.group(2)})
        else:
            return
        with self.client.post(
            DESK + "act/", data=data, name="desk action", allow_redirects=False,
            headers={"Referer": self.host + DESK}, catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 302:
                answer.success()
                DESK_ACTIONS.append(data["action"])
            else:
                answer.failure(f"desk action answered {answer.status_code}")


DESK_ACTIONS: list[str] = []
STARTED: list[str] = []  # one entry per participant whose page opened


@events.quitting.add_listener
def _write_figures(environment, **_kwargs):
    stats = environment.stats
    entry = stats.entries.get(("state", "GET"))
    server_errors = sum(
        error.occurrences
        for error in stats.errors.values()
        if "server error" in str(error.error) or str(error.error).startswith("5")
    )
    result = {
        "state": {
            "requests": entry.num_requests if entry else 0,
            "failures": entry.num_failures if entry else 0,
            "rps": entry.total_rps if entry else 0.0,
            "p50": entry.get_response_time_percentile(0.5) if entry else None,
            "p95": entry.get_response_time_percentile(0.95) if entry else None,
            "p99": entry.get_response_time_percentile(0.99) if entry else None,
        },
        "total_failures": stats.total.num_failures,
        "server_errors": server_errors,
        "desk_actions": DESK_ACTIONS,
        "participants": len(STARTED),
        "errors": [
            {"error": str(error.error), "name": error.name, "occurrences": error.occurrences}
            for error in stats.errors.values()
        ],
    }
    with open(os.environ["LOADTEST_RESULT"], "w") as handle:
        json.dump(result, handle)
