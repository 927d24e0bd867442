"""The admin's look: django-jazzmin settings, kept apart from the rest of the settings."""

JAZZMIN_SETTINGS = {
    "site_title": "Backoffice",
    "site_header": "Backoffice",
    "site_brand": "Backoffice",
    "welcome_sign": "Sign in to the shop's back office",
    "copyright": "Backoffice",
    "search_model": ["catalog.Product", "catalog.Article"],
    "user_avatar": None,
    "site_logo": "backoffice/logo.svg",
    "login_logo": "backoffice/logo.svg",
    "site_icon": "backoffice/logo.svg",
    "site_logo_classes": "img-circle",
    # Layout fixes found on the browser tests' screenshots (backoffice/static/backoffice/).
    "custom_css": "backoffice/backoffice.css",
    # ... and behaviour fixes (the many-to-many chooser's "Please select an item in the list.").
    "custom_js": "backoffice/backoffice.js",
    "topmenu_links": [
        {"name": "Dashboard", "url": "admin:index"},
        {"model": "catalog.Product"},
        {"model": "catalog.Article"},
    ],
    # Anyone may turn on a second login step (backoffice.accounts.two_factor_views).
    "usermenu_links": [
        {"name": "Two-factor login", "url": "admin:two_factor_enrol", "icon": "fas fa-key"},
    ],
    "show_sidebar": True,
    "navigation_expanded": True,
    # One "Staff and roles" section: the account events (backoffice.accounts, superusers only)
    # join Users and Groups instead of a second section of the same name.
    "hide_apps": ["accounts"],
    "custom_links": {
        "auth": [
            {
                "name": "Account events",
                "url": "admin:accounts_accountevent_changelist",
                "icon": "fas fa-history",
                "permissions": ["accounts.view_accountevent"],
            }
        ]
    },
    "order_with_respect_to": [
        "catalog",
        "catalog.Product",
        "catalog.Article",
        "alerts",
        "alerts.StockAlert",
        "alerts.DeletionRecord",
        "auth",
        "auth.User",
        "auth.Group",
    ],
    "icons": {
        "auth": "fas fa-users-cog",
        "auth.user": "fas fa-user",
        "auth.Group": "fas fa-users",
        "catalog.Product": "fas fa-box-open",
        "catalog.Article": "fas fa-newspaper",
        "catalog.StockMovement": "fas fa-exchange-alt",
        "alerts.StockAlert": "fas fa-exclamation-triangle",
        "alerts.DeletionRecord": "fas fa-trash-restore",
        "jobs.ImportJob": "fas fa-file-import",
        "jobs.ExportJob": "fas fa-file-export",
        "accounts.AccountEvent": "fas fa-history",
        "axes": "fas fa-shield-alt",
        "axes.AccessAttempt": "fas fa-user-lock",
        "axes.AccessFailureLog": "fas fa-user-times",
        "axes.AccessLog": "fas fa-sign-in-alt",
    },
    "default_icon_parents": "fas fa-folder",
    "default_icon_children": "fas fa-circle",
    "related_modal_active": False,
    "use_google_fonts_cdn": False,
    "show_ui_builder": False,
    "changeform_format": "horizontal_tabs",
    "changeform_format_overrides": {"auth.user": "collapsible", "auth.group": "vertical_tabs"},
}

JAZZMIN_UI_TWEAKS = {
    # jazzmin 3 draws the top bar on bg-body (white): "navbar-dark" made its links, the
    # sidebar toggle and the user menu white on white (seen on the browser-test screenshots).
    "navbar": "navbar-white navbar-light",
    "navbar_fixed": True,
    "sidebar": "sidebar-dark-primary",
    "sidebar_fixed": True,
    "brand_colour": "navbar-primary",
    "accent": "accent-primary",
    "theme": "default",
    "button_classes": {
        "primary": "btn-primary",
        "secondary": "btn-outline-secondary",
        "info": "btn-info",
        "warning": "btn-warning",
        "danger": "btn-danger",
        "success": "btn-success",
    },
}
