"""Signals the catalog sends for writes that bypass Model.save().

The catalog must not know who listens (docs/architecture.md#layers: catalog never imports
alerts), so bulk paths announce what they changed and the alerts app keeps its rules in
step, set-wise.
"""

from django.dispatch import Signal

# Sent with sender=Product and product_ids: a collection of primary keys whose stock or
# threshold may have changed through bulk_create/bulk_update/QuerySet.update. Send it inside
# the transaction that made the change, so receivers' writes commit or roll back with it.
products_bulk_changed = Signal()
