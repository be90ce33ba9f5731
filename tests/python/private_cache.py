"""A unittest base class whose test classes each get a private, empty
compile cache (KILN_CACHE_DIR under a temporary folder, `cls.tmp`)."""

import os
import shutil
import tempfile
import unittest


class PrivateCacheCase(unittest.TestCase):
    tmp_prefix = "kiln-pytest-"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix=cls.tmp_prefix)
        cls._old_cache = os.environ.get("KILN_CACHE_DIR")
        os.environ["KILN_CACHE_DIR"] = os.path.join(cls.tmp, "cache")

    @classmethod
    def tearDownClass(cls):
        if cls._old_cache is None:
            os.environ.pop("KILN_CACHE_DIR", None)
        else:
            os.environ["KILN_CACHE_DIR"] = cls._old_cache
        shutil.rmtree(cls.tmp, ignore_errors=True)
