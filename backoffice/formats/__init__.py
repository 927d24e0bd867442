"""Date formats of the admin (FORMAT_MODULE_PATH): see backoffice/formats/en/formats.py."""
