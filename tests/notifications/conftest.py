# The fake WeChat server's fixtures (drop this import once tests/conftest.py lists tests.fakes.plugin).
from tests.fakes.plugin import fake_wechat, fake_wechat_server, wechat_client, wechat_settings  # noqa: F401
