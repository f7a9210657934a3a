import pytest

from .factories import ensure_reference_data


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A transactional test starts after another one's flush: put back what the migrations seed
    (role groups, the default template, the sign-off policies) before any user is created."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()
