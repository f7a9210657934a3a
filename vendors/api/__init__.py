"""JSON API of the vendor register, one module per resource: reference data, vendors, contracts
(with capacity lines and exit-rights clauses). `fields` holds what they share.

Each endpoint does what the matching page does: the same policy check, the same selector and
filter set for reads, the same form (validation and messages) and service (transaction, audit
event) for writes. Refusals become JSON errors in `procurement.api`.
"""

from ninja import Router

from . import contracts, reference, vendor_routes

router = Router()
for module in (reference, vendor_routes, contracts):
    router.add_router("", module.router)
