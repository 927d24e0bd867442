"""Each list's search box shows its whole hint (search_help_text), on a desktop and a phone."""

import pytest

from tests.e2e.checks import DESKTOP, PHONE
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTS = [
    "/admin/catalog/product/",
    "/admin/catalog/article/",
    "/admin/alerts/stockalert/",
    "/admin/alerts/deletionrecord/",
    "/admin/auth/user/",
]

# The hint's width in the box's own font, against the room inside the box.
HINT_ROOM = """box => {
    const style = getComputedStyle(box);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {hint: box.placeholder, text: context.measureText(box.placeholder).width, room: room};
}"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_search_box_shows_its_whole_hint(page, signed_in, size):
    signed_in(UserFactory(username="viewer", groups=["Viewers"]))
    page.set_viewport_size(size)
    for url in LISTS:
        page.goto(url)
        box = page.locator("#searchbar").evaluate(HINT_ROOM)
        assert box["hint"], url
        assert box["text"] <= box["room"], f"{url}: {box['hint']!r} is cut short in {size}"
