from tests.integration.channels.fixtures import *  # noqa: F403
