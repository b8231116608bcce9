"""Settings for the test suite: the product's settings with fast, local side effects."""

import os
import tempfile

os.environ.setdefault("CAREDESK_DATA_DIR", tempfile.mkdtemp(prefix="caredesk-test-"))
os.environ["CAREDESK_TASKS"] = "immediate"
os.environ["CAREDESK_EMAIL"] = "memory"
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-check-0123456789")

from caredesk.settings import *  # noqa: E402,F403

# Argon2 is the product's hasher (see caredesk/settings.py); tests hash hundreds of
# passwords and use a fast one. test_password_hashing checks the product setting.
PRODUCT_PASSWORD_HASHERS = PASSWORD_HASHERS  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Tests change users between requests and expect the next request to see it; the token
# cache has its own test (caredesk/accounts/tests/test_tokens.py).
TOKEN_CACHE_SECONDS = 0
