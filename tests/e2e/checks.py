"""Layout checks and screen sizes the browser tests share (run in the page with Playwright)."""

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

_CONTRAST_JS = """([textSelector, backgroundSelector]) => {
    const rgba = (css) => css.match(/[\\d.]+/g).map(Number);
    const [r, g, b, a = 1] = rgba(getComputedStyle(document.querySelector(textSelector)).color);
    const bg = rgba(getComputedStyle(document.querySelector(backgroundSelector)).backgroundColor);
    // Blend a translucent text colour onto the background, as the browser draws it.
    const text = [r, g, b].map((c, i) => c * a + bg[i] * (1 - a));
    const luminance = (rgb) => {
        const [R, G, B] = rgb.map((c) => {
            c /= 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const [hi, lo] = [luminance(text), luminance(bg.slice(0, 3))].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
}"""


def contrast_ratio(page, text_selector: str, background_selector: str) -> float:
    """WCAG contrast ratio between an element's text colour and another's background."""
    return page.evaluate(_CONTRAST_JS, [text_selector, background_selector])


def assert_fits_phone(page, scroller_selector: str, button_locator) -> None:
    """At phone width, a table's scroller needs no sideways scroll and the button is whole."""
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    try:
        overflow = page.locator(scroller_selector).evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, f"{scroller_selector} scrolls sideways by {overflow}px on a phone"
        expect(button_locator).to_be_visible()
        button = button_locator.bounding_box()
        assert button["x"] >= 0
        assert button["x"] + button["width"] <= PHONE["width"]
    finally:
        page.set_viewport_size(DESKTOP)
