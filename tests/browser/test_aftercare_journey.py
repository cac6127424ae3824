"""Journey: after approval, the owner files a monitoring report through the web form; it
is outside the thresholds, so the assessment opens again. The aftercare pages pass axe."""

import datetime as dt
import re

from assessments.models import Assessment
from portal.auth.demo_users import DEMO_PASSWORD
from portal.db import utcnow
from portal.extensions import db
from register.models import Algorithm
from tests.browser.conftest import assert_accessible, login, screenshot

OWNER_OF_SLIM_VEGEN = "indiener2@demo.utrecht.nl"


def _status(live_app) -> str:
    with live_app.app_context():
        algorithm = db.session.scalars(
            db.select(Algorithm).where(Algorithm.slug == "slim-vegen")
        ).one()
        assessment = db.session.scalars(
            db.select(Assessment).where(Assessment.algorithm_id == algorithm.id)
        ).one()
        status = assessment.status
        db.session.remove()
        return status


def test_owner_files_a_report_that_reopens_the_assessment(page, live_app, demo_data):
    assert _status(live_app) == "approved"
    login(page, OWNER_OF_SLIM_VEGEN, DEMO_PASSWORD)
    page.get_by_role("link", name="Monitoring en incidenten").first.click()
    page.wait_for_url(re.compile(r"/intern/algoritmes/nazorg$"))
    assert_accessible(page, "aftercare list")
    page.get_by_role("link", name="Slim vegen").click()
    page.wait_for_url(re.compile(r"/intern/algoritmes/slim-vegen/nazorg$"))
    assert_accessible(page, "aftercare page")
    assert "binnen de drempels" in page.locator("#monitoring").inner_text()  # the demo's

    end = utcnow().date() - dt.timedelta(days=1)
    page.fill("#m-period_start", (end - dt.timedelta(days=27)).isoformat())
    page.fill("#m-period_end", end.isoformat())
    page.get_by_label("Aantal klachten").fill("80")  # far above any level's threshold
    page.get_by_label("Opmerkingen").fill("Veel klachten over overgeslagen straten.")
    page.get_by_role("button", name="Rapport opslaan").click()
    page.wait_for_url(re.compile(r"/intern/algoritmes/slim-vegen/nazorg$"))
    monitoring = page.locator("#monitoring").inner_text()
    assert "buiten de drempels" in monitoring
    assert "de toetsing is weer geopend" in monitoring
    assert_accessible(page, "aftercare page after the report")
    screenshot(page, "aftercare-1-reopened")
    assert _status(live_app) == "draft"
