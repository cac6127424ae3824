"""Starting an assessment through the web form, as a submitter does."""

import re

from tests.conftest import csrf_token_from


def start_assessment(client, users, login_as, name="Slim handhaven vakantieverhuur") -> int:
    login_as(users["submitter"])
    page = client.get("/intern/toetsingen/nieuw")
    response = client.post(
        "/intern/toetsingen/nieuw",
        data={
            "csrf_token": csrf_token_from(page),
            "name": name,
            "description_short": "Signalen voor controle.",
        },
    )
    assert response.status_code == 302
    return int(re.search(r"/intern/toetsingen/(\d+)", response.headers["Location"]).group(1))
