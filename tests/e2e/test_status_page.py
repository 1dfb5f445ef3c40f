"""The secretariat reads the platform's status from the admin in a real browser and tries a
failed outbox message again."""

import pytest

from core.enums import OutboxStatus
from core.models import OutboxMessage
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def test_secretariat_finds_a_failed_message_on_the_status_page_and_retries_it(page, console_errors):
    staff = UserFactory(secretariat=True)
    message = OutboxMessage.objects.create(
        task_name="listening.tasks.task_purge_personal_data",
        status=OutboxStatus.FAILED,
        attempts=5,
        last_error="OperationalError: the database went away",
    )
    page.goto("/en/accounts/login/?next=/en/admin/")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/en/admin/")

    page.get_by_role("link", name="Platform status").click()
    page.wait_for_url("**/en/admin/status/")
    assert "1 message failed" in page.locator("body").inner_text()
    row = page.locator("tr", has_text="OperationalError: the database went away")
    row.get_by_role("button", name="Try again").click()
    page.wait_for_load_state()

    assert "The message is queued again." in page.locator("body").inner_text()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    assert console_errors == []
