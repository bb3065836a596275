import pytest


@pytest.fixture(autouse=True)
def _nanjing(policy):
    """The five presets loaded, Nanjing active (a test switches with `policy_tianjin`)."""
    return policy


@pytest.fixture
def policy_tianjin(settings, _nanjing):
    settings.CREDIT_POLICY = "tianjin"
