"""Role groups used in route declarations (the roles themselves are `accounts.models.ROLES`)."""

from countermark.accounts.models import ROLES

EVERYONE = ROLES
ADMIN = ("admin",)
BRAND_READERS = ("admin", "reviewer", "investigator", "rights_holder", "notifier")
BRAND_EDITORS = ("admin", "rights_holder")
NOTIFIERS = ("admin", "rights_holder", "notifier")
REVIEWERS = ("admin", "reviewer")
SELLER_VIEWERS = ("admin", "reviewer", "investigator", "seller")
INVESTIGATORS = ("admin", "investigator")
DASHBOARD_VIEWERS = ("admin", "reviewer", "investigator", "rights_holder", "notifier")
NOTICE_SENDERS = ("rights_holder", "notifier")
NOTICE_READERS = ("admin", "reviewer", "rights_holder", "notifier")
SELLERS = ("seller",)
