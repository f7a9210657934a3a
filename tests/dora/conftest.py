import pytest

from .factories import seed_demo_register


@pytest.fixture
def demo_register(db):
    """The demo vendors, contracts and workloads with the demo register of information on them."""
    seed_demo_register()
