"""Helpers for the import tests: drive the admin's two import steps like a browser would."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

PRODUCT_HEADER = "sku,name,price,stock,low_stock_threshold,is_active,description"


def csv_bytes(*lines: str, bom: bool = False, newline: str = "\n") -> bytes:
    text = newline.join(lines) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def preview(client: Client, model: str, content: bytes, name: str = "data.csv"):
    """Step 1: upload the file; the response is the preview page."""
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse(f"admin:{model}_import"), {"import_file": upload, "resource": "0"})


def confirm(client: Client, model: str, preview_response):
    """Step 2: post the confirm form the preview rendered."""
    confirm_form = preview_response.context["confirm_form"]
    data = {name: confirm_form.initial[name] for name in confirm_form.fields}
    return client.post(reverse(f"admin:{model}_process_import"), data)


def import_through_admin(client: Client, model: str, content: bytes, name: str = "data.csv"):
    response = preview(client, model, content, name)
    assert response.status_code == 200
    assert response.context["report"].error_count == 0, response.context["report"].errors
    return confirm(client, model, response)


def report_text(response) -> str:
    return "\n".join(str(error) for error in response.context["report"].errors)
