"""The reference data clients need to fill other requests: layers and exit-right kinds."""

from ninja import Router, Schema

from procurement.api_support import (
    ERROR_RESPONSES,
    require_read,
)
from vendors.models import (
    ExitRightKind,
    Layer,
)

router = Router()


# Reference data ---------------------------------------------------------------------------


class LayerOut(Schema):
    code: str
    name: str


class ExitRightKindOut(Schema):
    code: str
    name: str
    description: str
    is_active: bool


@router.get("/layers", response={200: list[LayerOut], **ERROR_RESPONSES}, tags=["Reference"])
def layer_list(request):
    """The layers of the stack a vendor can supply (codes used by vendors and dependencies)."""
    require_read(request)
    return Layer.objects.order_by("position", "name")


@router.get(
    "/exit-right-kinds", response={200: list[ExitRightKindOut], **ERROR_RESPONSES}, tags=["Reference"]
)
def exit_right_kind_list(request):
    """The kinds of exit right every contract is checked for."""
    require_read(request)
    return ExitRightKind.objects.all()
