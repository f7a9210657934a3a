import pytest

from dora import demo as dora_demo
from procurement import demo as procurement_demo
from resilience import demo as resilience_demo
from vendors import demo as vendors_demo


@pytest.fixture
def demo_register(db):
    """The demo vendors, contracts and workloads with the demo register of information on them."""
    procurement_demo.seed_users()
    resilience_demo.seed(vendors_demo.seed())
    dora_demo.seed()
