"""Each simulated stakeholder signs in, registers for the load-test session and submits one
intervention, then stops. Any 5xx response counts as a failure.

The rate limits are on: each stakeholder comes from an address of their own, which the
server reads from X-Forwarded-For as behind the production proxy (TRUSTED_PROXY_COUNT=1).
"""

import json
import os
import re

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
ACCOUNTS = iter(enumerate(PLAN["emails"]))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r'name="submission_token" value="([^"]*)"')
finished = {"users": 0}
# Emails whose registration and intervention the server confirmed (302): each must be stored.
confirmed_registrations: list[str] = []
confirmed_interventions: list[str] = []


def address(n: int) -> str:
    """A distinct documentation address (RFC 5737) for each simulated stakeholder."""
    networks = ("192.0.2", "198.51.100", "203.0.113")
    return f"{networks[n // 250 % 3]}.{n % 250 + 1}"


def csrf(response) -> str:
    match = CSRF.search(response.text)
    return match.group(1) if match else ""


class Stakeholder(HttpUser):
    wait_time = between(0.1, 0.5)

    def post(self, url: str, data: dict, name: str, *, success_to: str) -> bool:
        """POST a form; it counts as accepted only when the server redirects to `success_to`
        (a redirect to the sign-in page is a failure, not an acknowledgement)."""
        page = self.client.get(url, name=name + " form")
        data = {"csrfmiddlewaretoken": csrf(page), **data}
        token = TOKEN.search(page.text)
        if token and token.group(1):
            data["submission_token"] = token.group(1)
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True,
            headers={"Referer": self.host + url},
        ) as response:  # fmt: skip
            if response.status_code >= 500:
                response.failure(f"server error {response.status_code}")
            elif response.status_code != 302:
                response.failure(f"not accepted: {response.status_code}")
            elif success_to not in response.headers.get("Location", ""):
                response.failure(f"redirected elsewhere: {response.headers.get('Location')}")
            else:
                response.success()
                return True
        return False

    @task
    def journey(self):
        account = next(ACCOUNTS, None)
        if account is None:  # more simulated users than test accounts: this one has nothing to do
            raise StopUser()
        n, email = account
        self.client.headers["X-Forwarded-For"] = address(n)
        try:
            self.sign_in_register_and_submit(email)
        finally:
            finished["users"] += 1
            if finished["users"] >= PLAN["users"]:
                self.environment.runner.quit()
        raise StopUser()

    def sign_in_register_and_submit(self, email: str) -> None:
        if not self.post(
            "/en/accounts/login/",
            {"login": email, "password": PLAN["password"]},
            "login",
            success_to="/en/",
        ):
            return
        slug = PLAN["session"]
        if self.post(
            f"/en/sessions/{slug}/register/",
            {"role": "Programme officer", "privacy_consent": "on", "consent_to_be_listed": "on"},
            "register",
            success_to="/sessions/me/sessions/",
        ):
            confirmed_registrations.append(email)
        if self.post(
            f"/en/interventions/new/{slug}/",
            {
                "kind": "challenge",
                "title": f"Load test input from {email}",
                "body": "Seasonal workers lost their permits when offices closed. " * 8,
                "language": "en",
                "primary_theme": PLAN["theme"],
                "regions": PLAN["region"],
                "credit": "named",
                "submit": "1",
            },
            "submit intervention",
            success_to="/en/interventions/",
        ):
            confirmed_interventions.append(email)


@events.quitting.add_listener
def _write_figures(environment, **_kwargs):
    """Write the final figures where run_loadtest.py reads them."""
    stats = environment.stats

    def figures(entry) -> dict:
        return {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
        }

    result = {
        "total": figures(stats.total),
        "by_name": {name: figures(entry) for (name, _method), entry in stats.entries.items()},
        "registered": confirmed_registrations,
        "submitted": confirmed_interventions,
        "errors": [
            {"error": str(error.error), "occurrences": error.occurrences}
            for error in stats.errors.values()
        ],
    }
    with open(os.environ["LOADTEST_RESULT"], "w") as fh:
        json.dump(result, fh)
